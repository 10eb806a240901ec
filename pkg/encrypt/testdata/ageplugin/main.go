// Command age-plugin-helmtest is a real age plugin for tests, speaking the
// age plugin protocol in both phases: recipient-v1, whose recipient data is
// an X25519 recipient string that it wraps the file key to, and
// identity-v1, whose identity data is the matching X25519 secret key
// string (AGE-PLUGIN-HELMTEST-1…). Each run appends a line to the file
// named by HELMTEST_PLUGIN_LOG.
package main

import (
	"os"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

func main() {
	if log := os.Getenv("HELMTEST_PLUGIN_LOG"); log != "" {
		if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			_, _ = f.WriteString("ran\n")
			_ = f.Close()
		}
	}
	p, err := plugin.New("helmtest")
	if err != nil {
		os.Exit(1)
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) {
		return age.ParseX25519Recipient(string(data))
	})
	p.HandleIdentity(func(data []byte) (age.Identity, error) {
		return age.ParseX25519Identity(string(data))
	})
	os.Exit(p.Main())
}
