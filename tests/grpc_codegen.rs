//! The gRPC health service's Rust (`src/grpc/pb.rs`) is generated from
//! `proto/grpc/health/v1/health.proto` and committed, so that building the crate needs no
//! build script and no protoc. This test generates it again, with the protoc that comes inside
//! the `protoc-bin-vendored` crate, and fails when the committed file is stale.
//!
//! To refresh it after changing the proto or the generator's version:
//!
//! ```text
//! TOWER_HEALTH_REGENERATE=1 cargo test --all-features --test grpc_codegen
//! ```

use std::path::{Path, PathBuf};

/// The command that writes the committed file anew.
const REFRESH: &str = "TOWER_HEALTH_REGENERATE=1 cargo test --all-features --test grpc_codegen";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `proto/grpc/health/v1/health.proto` compiled into `out`: the path of the Rust written.
fn generate(out: &Path) -> PathBuf {
    std::fs::create_dir_all(out).unwrap();
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("the vendored protoc");
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        // No `connect` on the client: the crate keeps tonic's `transport` off.
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .out_dir(out)
        .compile_with_config(
            config,
            &[root().join("proto/grpc/health/v1/health.proto")],
            &[root().join("proto")],
        )
        .expect("protoc and tonic-prost-build");
    out.join("grpc.health.v1.rs")
}

#[test]
fn the_committed_grpc_code_is_generated_from_the_proto() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grpc_codegen");
    let fresh = std::fs::read_to_string(generate(&out)).unwrap();
    let committed_path = root().join("src/grpc/pb.rs");
    if std::env::var_os("TOWER_HEALTH_REGENERATE").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "src/grpc/pb.rs is not what proto/grpc/health/v1/health.proto generates \
         ({} lines committed, {} generated). Refresh it with:\n\n    {REFRESH}\n",
        committed.lines().count(),
        fresh.lines().count(),
    );
}
