// CkksRns.Ckks: the RNS-CKKS scheme. Types arrive with the CKKS issue.
