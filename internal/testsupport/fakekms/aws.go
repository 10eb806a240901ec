package fakekms

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lkmsconfig "github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
	"github.com/nsmithuk/local-kms/src/handler"
	"github.com/sirupsen/logrus"
)

// AWS KMS as tests see it: the account and region of every key.
const (
	AWSAccount = "111122223333"
	AWSRegion  = "eu-west-2"
)

// awsTargets are the KMS operations the AWS server answers (the
// X-Amz-Target header "TrentService.NAME"); local-kms handles each.
var awsTargets = map[string]bool{
	"Encrypt": true, "Decrypt": true, "GenerateDataKey": true, "ReEncrypt": true,
	"CreateKey": true, "CreateAlias": true, "DescribeKey": true, "ListKeys": true,
	"DisableKey": true, "EnableKey": true,
}

// awsPrincipal is one access key the AWS server accepts.
type awsPrincipal struct {
	secret  string
	token   string // session token the requests must carry ("" for none)
	expired bool   // the session token is expired
	user    string
	keys    map[string]bool // key ARNs this principal may use; nil: all
}

// AWS is an AWS KMS endpoint for tests, on 127.0.0.1: the request handlers
// of local-kms (github.com/nsmithuk/local-kms: the KMS JSON 1.1 protocol
// with X-Amz-Target TrentService.*, AES-GCM key material, the encryption
// context bound as additional data, AWS's error shapes) behind a front
// that authenticates every request as AWS does: the SigV4 Authorization
// header is recomputed with the secret of its access key, and the request
// is refused with AWS's own exception when the access key is unknown
// (UnrecognizedClientException), the signature does not match
// (InvalidSignatureException), the session token is missing, wrong or
// expired (ExpiredTokenException) or the principal may not use the key
// (AccessDeniedException). So the real AWS SDK v2 client inside sops is
// what talks to it, with credentials found where a user puts them.
//
// It also answers STS AssumeRole (the Query protocol) for roles added with
// [AWS.AddRole], handing out session credentials that may use the role's
// keys, so a kms key's role works with AWS_ENDPOINT_URL pointing here.
//
// Keys are created with [AWS.CreateKey]; calls are counted per operation
// and key ([AWS.Calls]; "AssumeRole" per role ARN).
type AWS struct {
	URL string // http://127.0.0.1:PORT

	db  *data.Database
	srv *httptest.Server
	log *logrus.Logger

	mu     sync.Mutex
	users  map[string]*awsPrincipal // by access key ID
	roles  map[string]*awsRole      // by role ARN
	calls  map[string]int           // "Op ARN"; "AssumeRole ROLE"
	denied int
	nextID int
}

// awsRole is a role AssumeRole hands out sessions for.
type awsRole struct {
	trusted map[string]bool // user ARNs allowed to assume it
	keys    []string
}

var awsConfigOnce sync.Once

// StartAWS starts an AWS KMS server for the test (closed by t.Cleanup),
// its key database in a temporary directory.
func StartAWS(t testing.TB) *AWS {
	t.Helper()
	a, err := NewAWS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// NewAWS starts an AWS KMS server with its key database in dir.
func NewAWS(dir string) (a *AWS, err error) {
	awsConfigOnce.Do(func() {
		lkmsconfig.AWSAccountId = AWSAccount
		lkmsconfig.AWSRegion = AWSRegion
	})
	defer func() {
		// data.NewDatabase panics when the database cannot be opened.
		if r := recover(); r != nil {
			err = fmt.Errorf("local-kms database: %v", r)
		}
	}()
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	a = &AWS{db: data.NewDatabase(dir), log: lg, users: map[string]*awsPrincipal{}, roles: map[string]*awsRole{}, calls: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.db.Close()
		return nil, err
	}
	a.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: a}}
	a.srv.Start()
	a.URL = a.srv.URL
	return a, nil
}

// Close stops the server and closes its database.
func (a *AWS) Close() {
	a.srv.Close()
	a.db.Close()
}

// AddUser lets the IAM user name, with the access key id and secret, use
// the keys (ARNs) given, or every key when none are given.
func (a *AWS) AddUser(name, id, secret string, keys ...string) {
	a.addUser(name, id, &awsPrincipal{secret: secret}, keys)
}

// AddSession is AddUser for temporary credentials: requests must carry
// the session token; expired makes every request fail with
// ExpiredTokenException, as AWS answers once a session has expired.
func (a *AWS) AddSession(name, id, secret, token string, expired bool, keys ...string) {
	a.addUser(name, id, &awsPrincipal{secret: secret, token: token, expired: expired}, keys)
}

func (a *AWS) addUser(name, id string, p *awsPrincipal, keys []string) {
	p.user = "arn:aws:iam::" + AWSAccount + ":user/" + name
	if len(keys) > 0 {
		p.keys = map[string]bool{}
		for _, k := range keys {
			p.keys[k] = true
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.users[id] = p
}

// AddRole makes roleARN assumable (STS AssumeRole, on the same endpoint)
// by the users named in trusted (IAM user names); its sessions may use the
// keys given (every key when none).
func (a *AWS) AddRole(roleARN string, trusted []string, keys ...string) {
	r := &awsRole{trusted: map[string]bool{}, keys: keys}
	for _, u := range trusted {
		r.trusted["arn:aws:iam::"+AWSAccount+":user/"+u] = true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.roles[roleARN] = r
}

// CreateKey creates a symmetric key (SYMMETRIC_DEFAULT) and returns its
// ARN.
func (a *AWS) CreateKey() (string, error) {
	var out struct{ KeyMetadata struct{ Arn string } }
	if err := a.call("CreateKey", map[string]any{"Description": "helm-secrets test"}, &out); err != nil {
		return "", err
	}
	return out.KeyMetadata.Arn, nil
}

// DisableKey disables a key: KMS then refuses to use it
// (DisabledException).
func (a *AWS) DisableKey(arn string) error {
	return a.call("DisableKey", map[string]any{"KeyId": arn}, nil)
}

// call runs a KMS operation on the handlers directly (no authentication).
func (a *AWS) call(op string, in any, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	resp := a.dispatch(op, r)
	if resp.Code != http.StatusOK {
		return fmt.Errorf("local-kms %s: %d %s", op, resp.Code, resp.Body)
	}
	if out != nil {
		return json.Unmarshal([]byte(resp.Body), out)
	}
	return nil
}

func (a *AWS) dispatch(op string, r *http.Request) handler.Response {
	h := handler.NewRequestHandler(r, a.log, a.db)
	res := reflect.ValueOf(h).MethodByName(op).Call(nil)
	return res[0].Interface().(handler.Response)
}

// Calls is how many authenticated requests of operation op ("Encrypt",
// "Decrypt", ...) named the key arn (its KeyId).
func (a *AWS) Calls(op, arn string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[op+" "+arn]
}

// Denied is how many requests were refused (authentication or access).
func (a *AWS) Denied() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.denied
}

// ServeHTTP implements http.Handler: authenticate, authorise, count, and
// hand the request to local-kms.
func (a *AWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost || r.URL.Path != "/" {
		awsError(w, http.StatusBadRequest, "ValidationException", "bad request")
		return
	}
	if r.Header.Get("X-Amz-Target") == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		a.sts(w, r, body)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	if !ok || !awsTargets[op] {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "")
		return
	}
	var req struct{ KeyId string }
	_ = json.Unmarshal(body, &req)

	p, code, msg := a.authenticate(r, body, "kms")
	if p == nil {
		a.mu.Lock()
		a.denied++
		a.mu.Unlock()
		awsError(w, http.StatusBadRequest, code, msg)
		return
	}
	if p.keys != nil && !p.keys[req.KeyId] {
		a.mu.Lock()
		a.denied++
		a.mu.Unlock()
		awsError(w, http.StatusBadRequest, "AccessDeniedException",
			fmt.Sprintf("User: %s is not authorized to perform: kms:%s on resource: %s because no identity-based policy allows the kms:%s action", p.user, op, req.KeyId, op))
		return
	}
	a.mu.Lock()
	a.calls[op+" "+req.KeyId]++
	a.mu.Unlock()

	r.Body = io.NopCloser(bytes.NewReader(body))
	resp := a.dispatch(op, r)
	w.WriteHeader(resp.Code)
	_, _ = io.WriteString(w, resp.Body)
}

func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": typ, "message": msg})
	_, _ = w.Write(b)
}

// authenticate checks the request's SigV4 signature (Authorization
// header, X-Amz-Date, X-Amz-Security-Token) and returns the principal, or
// AWS's exception and message.
func (a *AWS) authenticate(r *http.Request, body []byte, service string) (*awsPrincipal, string, string) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, "MissingAuthenticationTokenException", "Missing Authentication Token"
	}
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return nil, "IncompleteSignatureException", "unsupported signature algorithm"
	}
	fields := map[string]string{}
	for f := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[3] != service || scope[4] != "aws4_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return nil, "IncompleteSignatureException", "incomplete signature"
	}
	a.mu.Lock()
	p := a.users[scope[0]]
	a.mu.Unlock()
	if p == nil {
		return nil, "UnrecognizedClientException", "The security token included in the request is invalid."
	}
	if tok := r.Header.Get("X-Amz-Security-Token"); tok != p.token {
		return nil, "UnrecognizedClientException", "The security token included in the request is invalid."
	}
	if p.expired {
		return nil, "ExpiredTokenException", "The security token included in the request is expired"
	}
	date := r.Header.Get("X-Amz-Date")
	if len(date) < 8 || date[:8] != scope[1] {
		return nil, "IncompleteSignatureException", "date mismatch"
	}

	signed := strings.Split(fields["SignedHeaders"], ";")
	var canon strings.Builder
	for _, h := range signed {
		var v string
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		default:
			vals := r.Header.Values(h)
			for i := range vals {
				vals[i] = strings.Join(strings.Fields(vals[i]), " ")
			}
			v = strings.Join(vals, ",")
		}
		canon.WriteString(h + ":" + v + "\n")
	}
	sum := sha256.Sum256(body)
	query := r.URL.Query()
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var q []string
	for _, k := range keys {
		for _, v := range query[k] {
			q = append(q, k+"="+v)
		}
	}
	creq := strings.Join([]string{r.Method, r.URL.EscapedPath(), strings.Join(q, "&"), canon.String(), fields["SignedHeaders"], hex.EncodeToString(sum[:])}, "\n")
	creqSum := sha256.Sum256([]byte(creq))
	toSign := "AWS4-HMAC-SHA256\n" + date + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(creqSum[:])
	k := hmacSHA256([]byte("AWS4"+p.secret), scope[1])
	for _, s := range scope[2:] {
		k = hmacSHA256(k, s)
	}
	want := hex.EncodeToString(hmacSHA256(k, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return nil, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	}
	return p, "", ""
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// sts answers STS AssumeRole (the Query protocol, as the AWS SDK's STS
// client speaks it): a session principal for a role the caller is
// trusted for, or AccessDenied.
func (a *AWS) sts(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	stsError := func(status int, code, msg string) {
		a.mu.Lock()
		a.denied++
		a.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>0</RequestId></ErrorResponse>`, code, xmlEscape(msg))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("Action") != "AssumeRole" {
		stsError(http.StatusBadRequest, "InvalidAction", "only AssumeRole is implemented")
		return
	}
	p, code, msg := a.authenticate(r, body, "sts")
	if p == nil {
		if code == "UnrecognizedClientException" {
			code, msg = "InvalidClientTokenId", "The security token included in the request is invalid."
		}
		stsError(http.StatusForbidden, code, msg)
		return
	}
	roleARN, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	a.mu.Lock()
	role := a.roles[roleARN]
	a.mu.Unlock()
	if role == nil || !role.trusted[p.user] {
		stsError(http.StatusForbidden, "AccessDenied", "User: "+p.user+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
		return
	}
	a.mu.Lock()
	a.nextID++
	n := a.nextID
	a.calls["AssumeRole "+roleARN]++
	a.mu.Unlock()
	id := fmt.Sprintf("ASIASESSION%09d", n)
	secret, token := fmt.Sprintf("session-secret-%d", n), fmt.Sprintf("session-token-%d", n)
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	a.addUser("", id, &awsPrincipal{secret: secret, token: token}, role.keys)
	a.mu.Lock()
	a.users[id].user = "arn:aws:sts::" + AWSAccount + ":assumed-role/" + name + "/" + session
	a.mu.Unlock()
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA%09d:%s</AssumedRoleId><Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>%d</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		id, secret, token, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), n, xmlEscape(session), AWSAccount, xmlEscape(name), xmlEscape(session), n)
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
