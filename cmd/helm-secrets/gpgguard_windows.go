package main

// startGPGGuard: no guard on Windows (docs/security.md); nil leaves
// gpghome.Guard unset.
var startGPGGuard func(home, gpgconf string) (func(), error)

func ignoreGuardSignals() {}
