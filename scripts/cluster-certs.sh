#!/usr/bin/env bash
# Makes the cluster's mTLS material in DIR, once: a CA, the frontend's certificate (localhost,
# 127.0.0.1) and a client certificate for every frontend client (seer-runs processes, the CLI,
# Temporal's own worker service). node:crypto cannot issue X.509 certificates, so openssl does.
set -euo pipefail
dir=${1:?usage: cluster-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
[ -s ca.pem ] && [ -s server.pem ] && [ -s client.pem ] && exit 0

umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=seer-runs cluster CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
issue() {
  local name=$1 cn=$2 ext=$3
  key "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  printf '%b' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
issue server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
issue client seer-runs "extendedKeyUsage=clientAuth\n"
chmod 644 ./*.pem
