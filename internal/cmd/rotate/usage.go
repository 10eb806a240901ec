package rotate

// The help texts follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

// Usage is the help of rotate.
const Usage = `helm secrets [ OPTIONS ] rotate [ -i ] <path to file>
helm secrets [ OPTIONS ] rotate -r [ --dry-run ] <file or directory>...

Rotate the data key of secrets

Re-encrypts every value with a new data key, for the same recipients, and
prints the result; with -i the file is replaced in place (atomically).

With -r, --dry-run or a directory argument, every encrypted file named or
found below the directories (symbolic links not followed) is rotated in
place, in parallel, each file atomically; a line per file and a summary go
to stderr. --dry-run rotates in memory only and writes nothing. If any file
fails, the others are still rotated and the exit code is 1.

Example:
  $ helm secrets rotate -i <SECRET_FILE_PATH>
  $ helm secrets rotate -r secrets/

`
