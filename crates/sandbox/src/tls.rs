//! The self-signed certificate a `--tls` sandbox serves, generated at start.

use std::path::{Path, PathBuf};

use axum_server::tls_rustls::RustlsConfig;

pub struct Material {
    pub cert_pem: String,
    pub key_pem: String,
    pub ca_path: PathBuf,
}

/// A certificate for localhost and 127.0.0.1, written as PEM under `dir` (or the temp dir).
pub fn self_signed(dir: Option<&Path>, port: u16) -> std::io::Result<Material> {
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let cert = rcgen::generate_simple_self_signed(names).map_err(std::io::Error::other)?;
    let cert_pem = cert.cert.pem();
    let key_pem = cert.signing_key.serialize_pem();
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)?;
    let ca_path = dir.join(format!("jirakit-sandbox-{port}.pem"));
    std::fs::write(&ca_path, &cert_pem)?;
    Ok(Material {
        cert_pem,
        key_pem,
        ca_path,
    })
}

pub fn server_config(m: &Material) -> std::io::Result<RustlsConfig> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = rustls_pemfile_certs(&m.cert_pem)?;
    let key = rustls::pki_types::PrivateKeyDer::try_from(
        rustls::pki_types::pem::PemObject::from_pem_slice(m.key_pem.as_bytes())
            .map(|k: rustls::pki_types::PrivatePkcs8KeyDer<'static>| k.secret_pkcs8_der().to_vec())
            .map_err(std::io::Error::other)?,
    )
    .map_err(std::io::Error::other)?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(std::io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(std::sync::Arc::new(config)))
}

fn rustls_pemfile_certs(pem: &str) -> std::io::Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(std::io::Error::other)
}
