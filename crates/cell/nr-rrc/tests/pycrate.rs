//! The SystemInformation and SIB1 encoders against an independent codec: pycrate's TS 38.331
//! module (`pycrate_asn1dir.RRCNR`, compiled from the 3GPP ASN.1 by pycrate itself) decodes
//! every encoded message to the values given, and re-encodes it to the same bytes, so the
//! encoding is the canonical UPER one and every mandatory field is present and in range.

use stingwatch_nr_rrc::build::{self, NrCarrier};
use stingwatch_nr_rrc::CarrierPriority;

/// For each hex line on stdin: `ok` when re-encoding gives the same bytes, then the serving
/// priority, the SIB4 and the SIB5 carriers (`arfcn:priority`, `-` for none), tab separated.
const PYCRATE_READER: &str = r#"
import sys
from pycrate_asn1dir import RRCNR
msg = RRCNR.NR_RRC_Definitions.BCCH_DL_SCH_Message
def carriers(lst, arfcn):
    return ",".join("%d:%s" % (c[arfcn], c.get("cellReselectionPriority", "-")) for c in lst)
for line in sys.stdin:
    pdu = bytes.fromhex(line.strip())
    msg.from_uper(pdu)
    same = "ok" if msg.to_uper() == pdu else "differs"
    v = msg.get_val()
    ies = v["message"][1][1]["criticalExtensions"][1]
    serving, nr, eutra = "-", "", ""
    for name, sib in ies["sib-TypeAndInfo"]:
        if name == "sib2":
            serving = str(sib["cellReselectionServingFreqInfo"]["cellReselectionPriority"])
        elif name == "sib4":
            nr = carriers(sib["interFreqCarrierFreqList"], "dl-CarrierFreq")
        elif name == "sib5":
            eutra = carriers(sib.get("carrierFreqListEUTRA", []), "carrierFreq")
    print("\t".join([same, serving, nr, eutra]))
"#;

/// For each hex line on stdin: `ok` when re-encoding gives the same bytes, then the SIB
/// types SIB1's si-SchedulingInfo maps, comma separated.
const PYCRATE_SIB1: &str = r#"
import sys
from pycrate_asn1dir import RRCNR
msg = RRCNR.NR_RRC_Definitions.BCCH_DL_SCH_Message
for line in sys.stdin:
    pdu = bytes.fromhex(line.strip())
    msg.from_uper(pdu)
    same = "ok" if msg.to_uper() == pdu else "differs"
    sib1 = msg.get_val()["message"][1][1]
    info = sib1.get("si-SchedulingInfo", {}).get("schedulingInfoList", [])
    types = [t["type"] for s in info for t in s["sib-MappingInfo"]]
    print("\t".join([same, ",".join(types)]))
"#;

fn list(l: impl Iterator<Item = (u32, Option<u8>)>) -> String {
    l.map(|(a, p)| format!("{a}:{}", p.map_or("-".to_string(), |p| p.to_string())))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn pycrate_reads_the_priorities_and_re_encodes_the_same_bytes() {
    if !stingwatch_testsupport::have_python_module("pycrate_asn1dir.RRCNR") {
        return;
    }
    let nr = |arfcn, band, priority| NrCarrier {
        arfcn,
        band,
        priority,
    };
    let lte = |arfcn, priority| CarrierPriority { arfcn, priority };
    let cases: Vec<(u8, Vec<NrCarrier>, Vec<CarrierPriority>)> = vec![
        // The downgrade: NR serving 1, E-UTRA 7 and 6.
        (1, vec![], vec![lte(1300, Some(7)), lte(6300, Some(6))]),
        // The operator's usual ranking, with another NR carrier and one without a priority.
        (
            7,
            vec![nr(636_666, 78, Some(6)), nr(151_600, 28, None)],
            vec![lte(1300, Some(5)), lte(6300, Some(3)), lte(3050, None)],
        ),
        // Eight NR carriers (the most SIB4 holds), the ends of the priority range and the
        // highest EARFCN.
        (
            0,
            (0..8).map(|i| nr(733_333 - i * 100, 79, Some(7))).collect(),
            vec![lte(262_143, Some(0))],
        ),
    ];
    let mut input = String::new();
    let mut expected = Vec::new();
    for (serving, nr, eutra) in &cases {
        let (_, pdu) = build::system_information(*serving, nr, eutra).expect("encodes");
        input.push_str(&pdu.iter().map(|b| format!("{b:02x}")).collect::<String>());
        input.push('\n');
        expected.push(format!(
            "ok\t{serving}\t{}\t{}",
            list(nr.iter().map(|c| (c.arfcn, c.priority))),
            list(eutra.iter().map(|c| (c.arfcn, c.priority))),
        ));
    }
    let theirs: Vec<String> = stingwatch_testsupport::run_python(PYCRATE_READER, &input)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(theirs, expected);
}

#[test]
fn pycrate_reads_the_sibs_sib1_schedules() {
    if !stingwatch_testsupport::have_python_module("pycrate_asn1dir.RRCNR") {
        return;
    }
    let hex =
        |(_, pdu): build::EncodedPdu| pdu.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let with = build::sib1_scheduling("001", "01", 0x2a01, 0x1a2_b301, &[2, 4, 5, 6]).unwrap();
    let without = build::sib1("001", "01", 0x2a01, 0x1a2_b301).unwrap();
    let input = format!("{}\n{}\n", hex(with), hex(without));
    assert_eq!(
        stingwatch_testsupport::run_python(PYCRATE_SIB1, &input),
        "ok\tsibType2,sibType4,sibType5,sibType6\nok\t\n"
    );
}
