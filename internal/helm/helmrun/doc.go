// Package helmrun runs helm as the wrapper's child and returns its exit
// code (128+N when a signal N ended it): signals sent to the wrapper are
// passed on to helm, the wrapper waits for helm either way, and on Linux
// helm gets SIGTERM if the wrapper dies, even by SIGKILL, so it never waits
// forever on a values pipe nobody serves. It depends on the standard
// library and golang.org/x/term only, for the lean wrapper.
package helmrun
