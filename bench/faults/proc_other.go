//go:build !linux

package main

import "syscall"

// childAttr has nothing to add where the kernel cannot end a child with
// its parent: the test's cleanup ends the servers.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
