#!/usr/bin/env bash
# Makes the credentials of one hem run with Debian's openssl: a private CA,
# one node certificate every process of the run shares, and a bearer token.
# Pass the directory to every process as --credentials_dir: servers then
# speak only TLS and demand the token, clients verify the CA and send it.
#
#   deploy/make_credentials.sh OUT_DIR [--hosts=node1,10.0.0.2,...] [--days=N] [--force]
#
# OUT_DIR gets (directory mode 0700, every file 0600):
#   ca.crt    the run's CA certificate (clients verify servers against it)
#   node.crt  the node certificate, signed by the CA, with subjectAltNames
#             DNS:hem-node (the name clients check, wherever a process runs),
#             DNS:localhost, IP:127.0.0.1, this machine's hostname, and --hosts
#   node.key  its private key (EC P-256)
#   token     32 random bytes, hex: the bearer token every call carries
# The CA's private key is deleted once the node certificate is signed: one
# certificate serves the whole run, so nothing more ever needs signing, and
# a key that no longer exists cannot mint certificates if OUT_DIR (often on
# shared storage) leaks. Make new credentials for a new run.
#
# An OUT_DIR that already holds all four files is left as it is (a resumed
# run keeps its credentials) unless --force is given.
set -euo pipefail

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

OUT=""
HOSTS=""
DAYS=365
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --hosts=*) HOSTS=${arg#*=} ;;
    --days=*) DAYS=${arg#*=} ;;
    --force) FORCE=1 ;;
    -h|--help) usage ;;
    -*) echo "make_credentials: unknown flag $arg" >&2; usage ;;
    *) [[ -z "$OUT" ]] || { echo "make_credentials: one OUT_DIR only" >&2; usage; }
       OUT=$arg ;;
  esac
done
[[ -n "$OUT" ]] || usage
[[ "$DAYS" =~ ^[1-9][0-9]*$ ]] || { echo "make_credentials: --days=$DAYS is not a positive integer" >&2; exit 2; }
command -v openssl >/dev/null || {
  echo "make_credentials: openssl not found (deploy/install_deps.sh installs it)" >&2; exit 1; }

FILES=(ca.crt node.crt node.key token)
if [[ $FORCE -eq 0 ]]; then
  present=0
  for f in "${FILES[@]}"; do [[ -e "$OUT/$f" ]] && present=$((present + 1)); done
  if [[ $present -eq ${#FILES[@]} ]]; then
    echo "make_credentials: $OUT already holds credentials; kept (--force makes new ones)"
    exit 0
  fi
  if [[ $present -gt 0 ]]; then
    echo "make_credentials: $OUT holds only some of ${FILES[*]}; --force replaces them" >&2
    exit 1
  fi
fi

umask 077
mkdir -p "$OUT"
chmod 700 "$OUT"
WORK=$(mktemp -d "$OUT/.make_credentials.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# subjectAltNames: the shared name, loopback, this host, and --hosts.
sans="DNS:hem-node,DNS:localhost,IP:127.0.0.1"
seen=",hem-node,localhost,127.0.0.1,"
IFS=',' read -r -a extra <<< "$(uname -n),${HOSTS}"
for host in "${extra[@]}"; do
  host=${host// /}
  [[ -z "$host" || "$seen" == *",$host,"* ]] && continue
  seen+="$host,"
  if [[ "$host" =~ ^[0-9.]+$ || "$host" == *:* ]]; then
    sans+=",IP:$host"
  else
    sans+=",DNS:$host"
  fi
done

quiet() { "$@" >/dev/null 2>"$WORK/openssl.log" || { cat "$WORK/openssl.log" >&2; exit 1; }; }

quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$WORK/ca.key" -out "$WORK/ca.crt" -days "$DAYS" -subj "/CN=hem run CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"
quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$WORK/node.key" -out "$WORK/node.csr" -subj "/CN=hem-node"
cat > "$WORK/node.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $sans
EOF
quiet openssl x509 -req -in "$WORK/node.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" \
  -CAcreateserial -out "$WORK/node.crt" -days "$DAYS" -extfile "$WORK/node.ext"
quiet openssl verify -CAfile "$WORK/ca.crt" "$WORK/node.crt"
openssl rand -hex 32 > "$WORK/token"

for f in "${FILES[@]}"; do
  chmod 600 "$WORK/$f"
  mv -f "$WORK/$f" "$OUT/$f"
done
# $WORK, with ca.key, the request and the serial, goes with the trap.
echo "make_credentials: wrote ${FILES[*]} to $OUT (SANs $sans; CA key deleted)"
