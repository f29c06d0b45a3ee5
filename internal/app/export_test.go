package app

// Remembered returns how many Apps Of can still find.
func Remembered() int {
	assembled.Lock()
	defer assembled.Unlock()
	forgetUnused()
	return len(assembled.apps)
}
