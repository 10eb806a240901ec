// Package backend selects the secret backend of a file (sops, noop, ...)
// by name, honouring the allow-list, and gives every caller the same small
// interface, so no caller needs to know which backend it holds. Selection
// failures are one error type, worded as the shell plugin words them.
package backend
