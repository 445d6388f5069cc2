//! Text of a Network name IE (TS 24.008 10.5.3.5a): GSM 7-bit default alphabet or UCS-2.

/// Characters of the GSM default alphabet (TS 23.038) that are not at their ASCII position
/// are shown as '?', except the common '@', '$' and '_'; text stays printable and bounded.
fn gsm7_char(septet: u8) -> char {
    match septet {
        0x00 => '@',
        0x02 => '$',
        0x11 => '_',
        0x20..=0x23 | 0x25..=0x3f | 0x41..=0x5a | 0x61..=0x7a => char::from(septet),
        _ => '?',
    }
}

/// Decode the value of a Network name IE (first octet: coding scheme and spare bits).
pub fn network_name(value: &[u8]) -> String {
    let Some((&head, text)) = value.split_first() else {
        return String::new();
    };
    let coding = (head >> 4) & 0x07;
    let spare_bits = usize::from(head & 0x07);
    match coding {
        0 => {
            let septets = (text.len() * 8).saturating_sub(spare_bits) / 7;
            (0..septets)
                .map(|i| {
                    let bit = i * 7;
                    let lo = text.get(bit / 8).copied().unwrap_or(0);
                    let hi = text.get(bit / 8 + 1).copied().unwrap_or(0);
                    let pair = u16::from(lo) | u16::from(hi) << 8;
                    gsm7_char(((pair >> (bit % 8)) & 0x7f) as u8)
                })
                .collect()
        }
        1 => text
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] => char::from_u32(u32::from(u16::from_be_bytes([*a, *b])))
                    .filter(|c| !c.is_control())
                    .unwrap_or('?'),
                _ => '?',
            })
            .collect(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_names() {
        // "T-Mobile" packed in 7 bits (8 septets in 7 octets, no spare bits).
        assert_eq!(
            network_name(&[0x80, 0xd4, 0x56, 0xf3, 0x2d, 0x4e, 0xb3, 0xcb]),
            "T-Mobile"
        );
        assert_eq!(network_name(&[0x90, 0x00, 0x41, 0x00, 0x42]), "AB");
        assert_eq!(network_name(&[]), "");
    }
}
