//! Decoding a DNS answer (the transport's reader) on arbitrary bytes.
#![no_main]

use hickory_proto::op::OpCode;
use libfuzzer_sys::fuzz_target;
use transfermap_dns::transport::decode_answer;

fuzz_target!(|bytes: &[u8]| {
    let Ok(msg) = decode_answer(bytes) else {
        return;
    };
    // A decoded message has a header, and it is the one that was sent: the
    // ID and the opcode (put back after the UPDATE retry) are the bytes'.
    assert!(bytes.len() >= 12);
    assert_eq!(msg.metadata.id, u16::from_be_bytes([bytes[0], bytes[1]]));
    assert_eq!(
        msg.metadata.op_code,
        OpCode::from_u8((bytes[2] >> 3) & 0x0f)
    );
    // Each record takes at least its owner name and fixed fields (a
    // one-byte root name and 10 bytes), each question 5 bytes, so a message
    // cannot hold more than the bytes allow.
    let records = msg.answers.len() + msg.authorities.len() + msg.additionals.len();
    assert!(records * 11 + msg.queries.len() * 5 <= bytes.len() - 12);
});
