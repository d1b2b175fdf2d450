// Package repocheck holds tests of the repository as a whole rather than of
// one package: that the service's go.mod holds only what the service uses,
// and that no tracked file names a path outside the repository. It has no
// code of its own.
package repocheck
