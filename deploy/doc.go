// Package deploy holds nabij's deployment files (systemd unit, container
// image, Compose, Kubernetes, an example config); its tests check each file
// with the tool or the library that reads it. It is a Go module of its own
// (github.com/nabij-isk/nabij/deploy), so that those libraries (BuildKit,
// compose-go, Caddy's Caddyfile adapter, the Kubernetes API types) are no
// dependency of the service;
// its tests read the service's files from the parent directory.
package deploy
