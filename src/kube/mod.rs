//! Kubernetes: ExecCredential, the EKS token (aws-sigv4 presign), kubeconfig entries.
