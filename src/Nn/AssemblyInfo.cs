// CkksRns.Nn: the neural-network library. Types arrive with the neural-network issue.
