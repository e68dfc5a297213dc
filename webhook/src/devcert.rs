//! `--dev-self-signed`: a throwaway CA and a localhost serving certificate, written
//! to a temporary directory so the normal file loading and reloading apply.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

#[derive(Debug, thiserror::Error)]
pub enum DevCertError {
    #[error("generating the certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("writing {0}: {1}")]
    Write(PathBuf, #[source] std::io::Error),
}

/// Paths of the generated files.
#[derive(Debug, Clone)]
pub struct DevCert {
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// Generates a CA and a serving certificate for `localhost`, `127.0.0.1` and `::1` into `dir`.
pub fn generate(dir: &Path) -> Result<DevCert, DevCertError> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "seccomp-webhook dev CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate()?;
    let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    let mut leaf = CertificateParams::new(names)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &issuer)?;

    fs::create_dir_all(dir).map_err(|e| DevCertError::Write(dir.to_path_buf(), e))?;
    let out = DevCert {
        ca_file: dir.join("ca.crt"),
        cert_file: dir.join("tls.crt"),
        key_file: dir.join("tls.key"),
    };
    write(&out.ca_file, ca_cert.pem().as_bytes(), 0o644)?;
    write(&out.cert_file, cert.pem().as_bytes(), 0o644)?;
    write(&out.key_file, key.serialize_pem().as_bytes(), 0o600)?;
    Ok(out)
}

fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), DevCertError> {
    let result = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .and_then(|mut f| f.write_all(bytes));
    result.map_err(|e| DevCertError::Write(path.to_path_buf(), e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn generated_pair_loads() {
        let dir = tempfile::tempdir().unwrap();
        let dev = generate(dir.path()).unwrap();
        let cert = fs::read(&dev.cert_file).unwrap();
        let key = fs::read(&dev.key_file).unwrap();
        assert!(seccomp_webhook::tls::load_pair(&cert, &key).is_ok());
        let ca = fs::read(&dev.ca_file).unwrap();
        assert_eq!(seccomp_webhook::tls::client_roots(&ca).unwrap().len(), 1);
    }
}
