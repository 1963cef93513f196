// Package validate checks the Kubernetes manifests in deploy/k8s offline, by strict decoding into the
// Kubernetes API types. It is its own module so those types stay out of the gateway's go.mod.
package validate
