package main

import "syscall"

// childAttr makes a server die with the test, even if the test itself is
// killed and cannot clean up.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
