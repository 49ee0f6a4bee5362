#!/usr/bin/env bash
# Throwaway test PKI for ContactPoint (openssl CLI, EC P-256). Never use it in production.
#
#   Scripts/pki.sh OUT_DIR [--server NAME]... [--client NAME]... [--log-key NAME]... [-v]
#
# Idempotent: a file that already exists in OUT_DIR is kept, so a second run adds only
# what is missing (new names are signed by the existing CA). Prints nothing but errors
# unless -v. Private keys are written mode 600.
#
# Every certificate (but expired.crt) and the CRL are valid from a year before now, so a
# peer whose clock is behind this script's accepts them: under `faketime '+45 days'` the
# script sees the faked time, and a Go program (Alertmanager) still sees the real one.
#
#   ca.crt ca.key                  the test CA (valid for ten years)
#   NAME.crt NAME.key  (--server)  CN=NAME, SAN DNS:localhost IP:127.0.0.1 IP:::1 DNS:NAME,
#                                  serverAuth+clientAuth (a daemon uses it both ways)
#   NAME.crt NAME.key  (--client)  CN=NAME, clientAuth
#                                  (leaf certificates are valid for 825 days)
#   expired.crt expired.key        CN=expired.client, validity entirely in the past (2020)
#   foreign-ca.crt foreign-ca.key  a CA nobody trusts
#   foreign.crt foreign.key        CN=foreign.client from the foreign CA, usable as client and
#                                  as server (SAN DNS:localhost IP:127.0.0.1 IP:::1)
#   revoked.crt revoked.key        CN=revoked.client, from the CA, listed in ca.crl
#   ca.crl                         the CA's CRL (revokes revoked.crt)
#   NAME.logkey NAME.vkey (--log-key)  a daemon's Ed25519 log key (PKCS#8 PEM, mode 600) and its
#                                  C2SP verifier key for origin NAME/contactpoint, the line that
#                                  goes in partners' directories as log_key (docs/audit.md §3)
set -euo pipefail

usage() {
    echo "usage: $0 OUT_DIR [--server NAME]... [--client NAME]... [--log-key NAME]... [-v]" >&2
    exit 2
}

out=""
servers=()
clients=()
logkeys=()
verbose=0
while (($#)); do
    case "$1" in
        --server) (($# >= 2)) || usage; servers+=("$2"); shift 2 ;;
        --client) (($# >= 2)) || usage; clients+=("$2"); shift 2 ;;
        --log-key) (($# >= 2)) || usage; logkeys+=("$2"); shift 2 ;;
        -v) verbose=1; shift ;;
        -h | --help) usage ;;
        -*) echo "pki.sh: unknown option $1" >&2; usage ;;
        *) [[ -z "$out" ]] || usage; out="$1"; shift ;;
    esac
done
[[ -n "$out" ]] || usage

reserved=" ca expired foreign foreign-ca revoked "
for name in ${servers[@]+"${servers[@]}"} ${clients[@]+"${clients[@]}"} ${logkeys[@]+"${logkeys[@]}"}; do
    [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || { echo "pki.sh: invalid name '$name'" >&2; exit 2; }
    [[ "$reserved" != *" $name "* ]] || { echo "pki.sh: '$name' is a reserved name" >&2; exit 2; }
done

command -v openssl >/dev/null || { echo "pki.sh: openssl not found" >&2; exit 1; }
mkdir -p "$out"
cd "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/pki.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Runs a command; its output is shown only with -v or when it fails.
run() {
    if ((verbose)); then
        "$@"
    elif ! "$@" >"$work/log" 2>&1; then
        cat "$work/log" >&2
        echo "pki.sh: failed: $*" >&2
        return 1
    fi
}

say() { ((verbose)) && echo "pki.sh: $*" >&2 || true; }

# The start of every validity period (and the CRL's last update): a year ago.
not_before="$(date -u -d '1 year ago' +%Y%m%d%H%M%SZ)"

# new_key FILE: an EC P-256 private key, mode 600, written atomically.
new_key() {
    (umask 077 && run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem")
    chmod 600 "$work/key.pem"
    mv "$work/key.pem" "$1"
}

# make_ca NAME CN: a self-signed CA NAME.crt / NAME.key valid for ten years.
# (`openssl ca -selfsign`, not `req -x509`, which cannot set the start date.)
make_ca() {
    local name="$1" cn="$2"
    [[ -s "$name.crt" && -s "$name.key" ]] && return 0
    say "creating $name.crt"
    new_key "$name.key"
    run openssl req -new -sha256 -key "$name.key" -subj "/O=ContactPoint test/CN=$cn" -out "$work/ca.csr"
    ca_config "$work/$name-self" "$name"
    run openssl ca -batch -notext -selfsign -config "$work/$name-self/ca.cnf" -extensions ca_ext \
        -startdate "$not_before" -days 3650 -in "$work/ca.csr" -out "$work/ca.pem"
    mv "$work/ca.pem" "$name.crt"
}

# extensions_for KIND NAME: the X.509v3 extension section for a leaf certificate.
extensions_for() {
    local kind="$1" name="$2"
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    case "$kind" in
        server) echo "extendedKeyUsage=serverAuth,clientAuth"
                echo "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:$name" ;;
        dual)   echo "extendedKeyUsage=serverAuth,clientAuth"
                echo "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" ;;
        client) echo "extendedKeyUsage=clientAuth" ;;
    esac
}

# make_leaf NAME CN KIND CA: NAME.crt / NAME.key signed by CA.crt / CA.key, valid 825 days
# from now (from a year ago, like every certificate here).
make_leaf() {
    local name="$1" cn="$2" kind="$3" ca="$4"
    [[ -s "$name.crt" && -s "$name.key" ]] && return 0
    say "creating $name.crt ($kind, CN=$cn, issuer $ca)"
    new_key "$name.key"
    run openssl req -new -sha256 -key "$name.key" -subj "/O=ContactPoint test/CN=$cn" -out "$work/leaf.csr"
    extensions_for "$kind" "$cn" >"$work/leaf.ext"
    ca_config "$work/$ca-signer" "$ca"
    run openssl ca -batch -notext -config "$work/$ca-signer/ca.cnf" -extfile "$work/leaf.ext" \
        -startdate "$not_before" -days 825 -in "$work/leaf.csr" -out "$work/leaf.pem"
    mv "$work/leaf.pem" "$name.crt"
}

# ca_config DIR [CA]: a throwaway `openssl ca` configuration and a fresh database in DIR,
# signing with CA.crt / CA.key (default: ca).
ca_config() {
    local dir="$1" ca="${2:-ca}"
    rm -rf "$dir"
    mkdir -p "$dir/new"
    : >"$dir/index.txt"
    openssl rand -hex 16 >"$dir/serial"
    echo 01 >"$dir/crlnumber"
    cat >"$dir/ca.cnf" <<CNF
[ca]
default_ca = throwaway
[throwaway]
dir = $dir
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $PWD/$ca.crt
private_key = $PWD/$ca.key
default_md = sha256
default_crl_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = none
x509_extensions = leaf_ext
[policy_any]
organizationName = optional
commonName = supplied
[leaf_ext]
$(extensions_for client expired.client)
[ca_ext]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
CNF
}

# make_expired: expired.crt / expired.key, CN=expired.client, valid only during January 2020.
make_expired() {
    [[ -s expired.crt && -s expired.key ]] && return 0
    say "creating expired.crt"
    new_key expired.key
    run openssl req -new -sha256 -key expired.key -subj "/O=ContactPoint test/CN=expired.client" -out "$work/expired.csr"
    ca_config "$work/expired-ca"
    run openssl ca -batch -notext -config "$work/expired-ca/ca.cnf" -startdate 20200101000000Z \
        -enddate 20200131000000Z -in "$work/expired.csr" -out "$work/expired.pem"
    mv "$work/expired.pem" expired.crt
}

# make_crl: ca.crl, issued by the CA, revoking revoked.crt.
make_crl() {
    [[ -s ca.crl ]] && return 0
    say "creating ca.crl (revokes revoked.crt)"
    ca_config "$work/crl-ca"
    run openssl ca -batch -config "$work/crl-ca/ca.cnf" -revoke revoked.crt -crl_reason keyCompromise
    run openssl ca -batch -config "$work/crl-ca/ca.cnf" -gencrl -crl_lastupdate "$not_before" -out "$work/ca.crl"
    mv "$work/ca.crl" ca.crl
}

make_ca ca "ContactPoint test CA"
for name in ${servers[@]+"${servers[@]}"}; do make_leaf "$name" "$name" server ca; done
for name in ${clients[@]+"${clients[@]}"}; do make_leaf "$name" "$name" client ca; done
make_expired
make_ca foreign-ca "Foreign test CA"
make_leaf foreign foreign.client dual foreign-ca
make_leaf revoked revoked.client client ca
make_crl

# make_log_key NAME: NAME.logkey (Ed25519, PKCS#8 PEM) and NAME.vkey, the C2SP verifier key
# NAME/contactpoint+<key ID>+<base64(0x01 || public key)>, key ID = SHA-256(name "\n" 0x01 key)[0:4].
make_log_key() {
    local name="$1" origin="$1/contactpoint"
    if [[ ! -s "$name.logkey" ]]; then
        say "creating $name.logkey"
        (umask 077 && run openssl genpkey -algorithm ed25519 -out "$name.logkey")
        chmod 600 "$name.logkey"
    fi
    [[ -s "$name.vkey" ]] && return 0
    openssl pkey -in "$name.logkey" -pubout -outform DER 2>/dev/null | tail -c 32 >"$work/pub"
    [[ "$(wc -c <"$work/pub")" -eq 32 ]] || { echo "pki.sh: cannot read the public key of $name.logkey" >&2; return 1; }
    { printf '%s\n\001' "$origin"; cat "$work/pub"; } >"$work/idinput"
    local keyid material
    keyid="$(openssl dgst -sha256 -binary "$work/idinput" | head -c 4 | od -An -tx1 | tr -d ' \n')"
    material="$({ printf '\001'; cat "$work/pub"; } | openssl base64 -A)"
    echo "$origin+$keyid+$material" >"$name.vkey"
}
for name in ${logkeys[@]+"${logkeys[@]}"}; do make_log_key "$name"; done
