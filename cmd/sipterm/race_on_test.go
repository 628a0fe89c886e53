//go:build race

package main

// raceBuild: the test binary runs with the race detector, so the phone is built with it too.
const raceBuild = true
