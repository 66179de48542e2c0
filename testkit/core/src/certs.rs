//! Certificates for TLS tests: a CA and the certificates it signs, as PEM files.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use crate::process::TempDir;

/// A test CA and the certificates it signed, written as PEM files (keys in PKCS#8) into a
/// fresh temporary directory, removed on Drop. ECDSA P-256 keys; valid from 1975 to 4096.
///
/// - the server certificate is valid for `localhost` and `127.0.0.1` (for servers and, since
///   a Redis node also connects to others with it, for clients too: cluster bus, replication);
/// - the client certificate is for mutual TLS (`tls-auth-clients yes`);
/// - the wrong-host certificate is a server certificate signed by the same CA, valid only for
///   [`TestCertificates::WRONG_HOST`]: a client checking host names must refuse it. (`redis-cli`
///   checks the chain but not the name: it accepts this certificate as `localhost`.)
pub struct TestCertificates {
    dir: TempDir,
    ca_cert: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    wrong_host_cert: PathBuf,
    wrong_host_key: PathBuf,
}

impl TestCertificates {
    /// The only name the wrong-host certificate is valid for.
    pub const WRONG_HOST: &'static str = "redis.other.example";

    /// Generates a new CA and certificates into a new temporary directory.
    pub fn generate() -> Self {
        let dir = TempDir::new("certs");
        let write = |name: &str, pem: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            path
        };

        let ca_key = KeyPair::generate().expect("cannot generate the CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "gmail-unread test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = ca.self_signed(&ca_key).expect("cannot sign the CA");

        let sign = |names: &[&str], common_name: &str, usages: &[ExtendedKeyUsagePurpose]| {
            let key = KeyPair::generate().expect("cannot generate a key");
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let mut params = CertificateParams::new(names).expect("certificate parameters");
            params
                .distinguished_name
                .push(DnType::CommonName, common_name);
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = usages.to_vec();
            params.use_authority_key_identifier_extension = true;
            let cert: Certificate = params
                .signed_by(&key, &ca, &ca_key)
                .unwrap_or_else(|e| panic!("cannot sign the certificate of {common_name}: {e}"));
            (cert.pem(), key.serialize_pem())
        };
        use ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
        let (server_cert, server_key) = sign(
            &["localhost", "127.0.0.1"],
            "localhost",
            &[ServerAuth, ClientAuth],
        );
        let (client_cert, client_key) = sign(&[], "gmail-unread test client", &[ClientAuth]);
        let (wrong_host_cert, wrong_host_key) = sign(
            &[Self::WRONG_HOST],
            Self::WRONG_HOST,
            &[ServerAuth, ClientAuth],
        );

        Self {
            ca_cert: write("ca.pem", ca.pem()),
            server_cert: write("server.pem", server_cert),
            server_key: write("server-key.pem", server_key),
            client_cert: write("client.pem", client_cert),
            client_key: write("client-key.pem", client_key),
            wrong_host_cert: write("wrong-host.pem", wrong_host_cert),
            wrong_host_key: write("wrong-host-key.pem", wrong_host_key),
            dir,
        }
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The CA certificate (`--cacert`, `tls-ca-cert-file`, a client's root of trust).
    pub fn ca_cert(&self) -> &Path {
        &self.ca_cert
    }

    /// The server certificate, valid for `localhost` and `127.0.0.1`.
    pub fn server_cert(&self) -> &Path {
        &self.server_cert
    }

    /// The server certificate's key.
    pub fn server_key(&self) -> &Path {
        &self.server_key
    }

    /// The client certificate, for mutual TLS.
    pub fn client_cert(&self) -> &Path {
        &self.client_cert
    }

    /// The client certificate's key.
    pub fn client_key(&self) -> &Path {
        &self.client_key
    }

    /// A server certificate valid only for [`TestCertificates::WRONG_HOST`].
    pub fn wrong_host_cert(&self) -> &Path {
        &self.wrong_host_cert
    }

    /// The wrong-host certificate's key.
    pub fn wrong_host_key(&self) -> &Path {
        &self.wrong_host_key
    }
}

/// The TLS files one topology uses, copied into its own directory so that it does not depend
/// on the [`TestCertificates`] living as long as it does (nodes can be restarted).
#[derive(Clone)]
pub(crate) struct TlsFiles {
    pub(crate) ca: PathBuf,
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
    pub(crate) client_cert: PathBuf,
    pub(crate) client_key: PathBuf,
}

impl TlsFiles {
    pub(crate) fn copy(certs: &TestCertificates, wrong_host: bool, dir: &Path) -> Self {
        let copy = |from: &Path, name: &str| {
            let to = dir.join(name);
            std::fs::copy(from, &to).unwrap_or_else(|e| {
                panic!("cannot copy {} to {}: {e}", from.display(), to.display())
            });
            to
        };
        let (cert, key) = if wrong_host {
            (certs.wrong_host_cert(), certs.wrong_host_key())
        } else {
            (certs.server_cert(), certs.server_key())
        };
        Self {
            ca: copy(certs.ca_cert(), "ca.pem"),
            cert: copy(cert, "server.pem"),
            key: copy(key, "server-key.pem"),
            client_cert: copy(certs.client_cert(), "client.pem"),
            client_key: copy(certs.client_key(), "client-key.pem"),
        }
    }

    /// The redis-server arguments naming the files (not the ports).
    pub(crate) fn server_args(&self, client_certificates_required: bool) -> Vec<String> {
        vec![
            "--tls-cert-file".to_owned(),
            self.cert.display().to_string(),
            "--tls-key-file".to_owned(),
            self.key.display().to_string(),
            "--tls-ca-cert-file".to_owned(),
            self.ca.display().to_string(),
            "--tls-auth-clients".to_owned(),
            if client_certificates_required {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
        ]
    }
}
