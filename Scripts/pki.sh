#!/usr/bin/env bash
# Throwaway test PKI for ContactPoint (openssl CLI, EC P-256). Never use it in production.
#
#   Scripts/pki.sh OUT_DIR [--server NAME]... [--client NAME]... [-v]
#
# Idempotent: a file that already exists in OUT_DIR is kept, so a second run adds only
# what is missing (new names are signed by the existing CA). Prints nothing but errors
# unless -v. Private keys are written mode 600.
#
#   ca.crt ca.key                  the test CA
#   NAME.crt NAME.key  (--server)  CN=NAME, SAN DNS:localhost IP:127.0.0.1 IP:::1 DNS:NAME,
#                                  serverAuth+clientAuth (a daemon uses it both ways)
#   NAME.crt NAME.key  (--client)  CN=NAME, clientAuth
#   expired.crt expired.key        CN=expired.client, validity entirely in the past (2020)
#   foreign-ca.crt foreign-ca.key  a CA nobody trusts
#   foreign.crt foreign.key        CN=foreign.client from the foreign CA, usable as client and
#                                  as server (SAN DNS:localhost IP:127.0.0.1 IP:::1)
#   revoked.crt revoked.key        CN=revoked.client, from the CA, listed in ca.crl
#   ca.crl                         the CA's CRL (revokes revoked.crt)
set -euo pipefail

usage() {
    echo "usage: $0 OUT_DIR [--server NAME]... [--client NAME]... [-v]" >&2
    exit 2
}

out=""
servers=()
clients=()
verbose=0
while (($#)); do
    case "$1" in
        --server) (($# >= 2)) || usage; servers+=("$2"); shift 2 ;;
        --client) (($# >= 2)) || usage; clients+=("$2"); shift 2 ;;
        -v) verbose=1; shift ;;
        -h | --help) usage ;;
        -*) echo "pki.sh: unknown option $1" >&2; usage ;;
        *) [[ -z "$out" ]] || usage; out="$1"; shift ;;
    esac
done
[[ -n "$out" ]] || usage

reserved=" ca expired foreign foreign-ca revoked "
for name in ${servers[@]+"${servers[@]}"} ${clients[@]+"${clients[@]}"}; do
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

# new_key FILE: an EC P-256 private key, mode 600, written atomically.
new_key() {
    (umask 077 && run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key.pem")
    chmod 600 "$work/key.pem"
    mv "$work/key.pem" "$1"
}

# make_ca NAME CN: a self-signed CA NAME.crt / NAME.key valid for ten years.
make_ca() {
    local name="$1" cn="$2"
    [[ -s "$name.crt" && -s "$name.key" ]] && return 0
    say "creating $name.crt"
    new_key "$name.key"
    run openssl req -new -x509 -sha256 -days 3650 -key "$name.key" -subj "/O=ContactPoint test/CN=$cn" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" -out "$work/ca.pem"
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

# make_leaf NAME CN KIND CA: NAME.crt / NAME.key signed by CA.crt / CA.key, valid 825 days.
make_leaf() {
    local name="$1" cn="$2" kind="$3" ca="$4"
    [[ -s "$name.crt" && -s "$name.key" ]] && return 0
    say "creating $name.crt ($kind, CN=$cn, issuer $ca)"
    new_key "$name.key"
    run openssl req -new -sha256 -key "$name.key" -subj "/O=ContactPoint test/CN=$cn" -out "$work/leaf.csr"
    extensions_for "$kind" "$cn" >"$work/leaf.ext"
    run openssl x509 -req -sha256 -days 825 -in "$work/leaf.csr" -CA "$ca.crt" -CAkey "$ca.key" \
        -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/leaf.ext" -out "$work/leaf.pem"
    mv "$work/leaf.pem" "$name.crt"
}

# ca_config DIR: a throwaway `openssl ca` configuration and database in DIR, signing with ca.crt.
ca_config() {
    local dir="$1"
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
certificate = $PWD/ca.crt
private_key = $PWD/ca.key
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
    run openssl ca -batch -config "$work/crl-ca/ca.cnf" -gencrl -out "$work/ca.crl"
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
