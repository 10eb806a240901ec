// Package limitbuf has a buffer that refuses to grow past a limit: for
// reading a child process's stdout (plaintext, a download) into memory
// without letting it take all of it.
package limitbuf
