package privdir

import "runtime"

const isWindows = runtime.GOOS == "windows"
