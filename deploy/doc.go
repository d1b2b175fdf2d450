// Package deploy holds nabij's deployment files (systemd unit, container
// image, Compose, Kubernetes, an example config); its tests check each file
// with the tool or the library that reads it.
package deploy
