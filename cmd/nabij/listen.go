package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
)

// listenFD is the first file descriptor a socket-activated process is
// passed (SD_LISTEN_FDS_START).
const listenFD = 3

// inheritedListener is the socket nabij was passed by socket activation
// (systemd's protocol, sd_listen_fds(3)): when LISTEN_PID names this
// process, LISTEN_FDS must be 1 and file descriptor 3 is the listening
// socket the API is served on. Without LISTEN_PID, or with another
// process's, it is nil and nabij listens on NABIJ_ADDR itself. The tests
// use it to keep a child nabij's port their own across a kill and a
// restart.
func inheritedListener(getenv func(string) string) (net.Listener, error) {
	if pid := getenv("LISTEN_PID"); pid == "" || pid != strconv.Itoa(os.Getpid()) {
		return nil, nil
	}
	if n := getenv("LISTEN_FDS"); n != "1" {
		return nil, fmt.Errorf("LISTEN_FDS=%q: nabij is served on one socket, want 1", n)
	}
	f := os.NewFile(listenFD, "LISTEN_FDS socket")
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("socket activation: file descriptor %d: %w", listenFD, err)
	}
	return ln, nil
}
