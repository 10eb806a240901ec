package encrypt

// FastPathRuns exposes the fast path counter to the external tests.
var FastPathRuns = &fastPathRuns
