package audio

import "syscall"

// audioThreadNice is the priority the callback thread asks for: above the phone's other work
// (and most of the machine's), so a busy machine delays it least. Only allowed with
// CAP_SYS_NICE or a raised RLIMIT_NICE; otherwise the thread keeps its priority.
const audioThreadNice = -10

// raiseThreadPriority raises the calling OS thread's priority, best effort.
func raiseThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), audioThreadNice)
}
