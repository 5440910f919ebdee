// The knowledge base in maps/ is embedded into the binary (include_dir);
// rebuild when any of its files changes.
fn main() {
    println!("cargo:rerun-if-changed=../../maps");
}
