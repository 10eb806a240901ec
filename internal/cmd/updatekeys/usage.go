package updatekeys

// The help texts follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

// Usage is the help of updatekeys.
const Usage = `helm secrets [ OPTIONS ] updatekeys <path to file>
helm secrets [ OPTIONS ] updatekeys -r [ --dry-run ] <file or directory>...

Update the recipients of secrets

Re-encrypts the data key of the file for the recipients of its current
.sops.yaml creation rule (adding and removing keys), in place and atomically.
The values and their ciphertext do not change. Prints what changed; asks no
questions.

With -r, --dry-run or a directory argument, every encrypted file named or
found below the directories is updated the same way, in parallel, each file
atomically, followed by a summary. --dry-run writes nothing. If any file
fails, the others are still updated and the exit code is 1.

Example:
  $ helm secrets updatekeys <SECRET_FILE_PATH>
  $ helm secrets updatekeys -r --dry-run secrets/

`
