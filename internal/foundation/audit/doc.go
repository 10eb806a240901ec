// Package audit writes the opt-in audit trail of decryptions and
// encryptions (HELM_SECRETS_AUDIT_LOG, docs/audit.md): one JSON line per
// event, naming the file, the key used, the user, host and git commit,
// never a value.
//
// Every line is appended with one write(2) on a descriptor opened with
// O_APPEND, and is at most MaxLine bytes (PIPE_BUF on Linux), so lines of
// concurrent processes never interleave: on a local file the kernel moves
// to the end and writes under the inode lock, and on a pipe (stderr) POSIX
// makes writes of at most PIPE_BUF bytes atomic.
//
// It uses the standard library only, so the lean getter
// (cmd/helm-secrets-getter) can link it.
package audit
