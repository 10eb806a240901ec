// Package nodump keeps the memory of a process that holds plaintext out
// of core dumps. Every binary that decrypts calls it first thing:
//
//   - LimitCore sets RLIMIT_CORE to 0 (Unix), so no core file is written
//     and systemd-coredump stores none. Children (helm, the editor)
//     inherit the limit, and they hold the plaintext too.
//   - NotDumpable (Linux) also sets prctl(PR_SET_DUMPABLE, 0): no core
//     dump at all, whatever core_pattern says, and no ptrace or
//     /proc/<pid>/mem access by other processes of the same user. It also
//     makes /proc/<pid>/fd unreadable to them, so the wrapper, whose helm
//     child opens the plaintext memfds through /proc/<pid>/fd, cannot use
//     it; every other command does.
//
// macOS and Windows equivalents are in docs/security.md.
package nodump
