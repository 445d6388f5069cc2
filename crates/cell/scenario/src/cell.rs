//! Cells of the scenarios: identity, radio channel and what they broadcast.

use stingwatch_lte_rrc::build::SibContent;
use stingwatch_lte_rrc::{EutraCarrier, GeranBand, GeranCarrierSet, Plmn, UtraCarrier};

/// Test network used by every scenario (MCC 001, MNC 01 is reserved for test networks).
pub const MCC: &str = "001";
/// MNC of the test network.
pub const MNC: &str = "01";

/// EARFCN of the operator's band 3 layer.
pub const LAYER_B3: u32 = 1850;
/// EARFCN of the operator's band 20 layer.
pub const LAYER_B20: u32 = 6300;
/// UARFCN of the operator's 3G carrier.
pub const UTRA_UARFCN: u16 = 10_762;

/// An LTE cell as the scenarios need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Tracking area code.
    pub tac: u16,
    /// 28-bit E-UTRAN cell identity (eNB id << 8 | local cell id).
    pub cell_id: u32,
    /// Downlink EARFCN.
    pub earfcn: u32,
    /// Physical cell id.
    pub pci: u16,
    /// Frequency band.
    pub band: u16,
    /// Downlink bandwidth in resource blocks.
    pub prbs: u8,
    /// SIBs after SIB2, each broadcast in its own SystemInformation message and scheduled by
    /// SIB1.
    pub extra_sibs: Vec<SibContent>,
    /// Network (MCC, MNC) the cell broadcasts: the test network unless it is another
    /// operator's (a visited network abroad).
    pub network: (&'static str, &'static str),
}

/// SIB number of a SystemInformation content.
pub fn sib_number(s: &SibContent) -> u8 {
    match s {
        SibContent::Sib2 => 2,
        SibContent::Sib3 { .. } => 3,
        SibContent::Sib5 { .. } => 5,
        SibContent::Sib6 { .. } => 6,
        SibContent::Sib7 { .. } => 7,
    }
}

impl Cell {
    /// The PLMN the cell broadcasts.
    pub fn plmn(&self) -> Plmn {
        Plmn {
            mcc: self.network.0.to_string(),
            mnc: self.network.1.to_string(),
        }
    }

    /// The same cell as one of another operator's network.
    pub fn of_network(self, mcc: &'static str, mnc: &'static str) -> Cell {
        Cell {
            network: (mcc, mnc),
            ..self
        }
    }

    /// A cell of the test network with the usual operator configuration on one of its two
    /// LTE layers (band 3 at EARFCN 1850 with priority 5, band 20 at EARFCN 6300 with
    /// priority 4): SIB3 with the serving priority, SIB5 naming the other layer, UTRA (SIB6)
    /// and GERAN (SIB7) ranked below both.
    pub fn operator(tac: u16, cell_id: u32, earfcn: u32, pci: u16) -> Cell {
        let band20 = (6150..=6449).contains(&earfcn);
        let (band, prbs, serving, other, other_priority) = if band20 {
            (20, 50, 4, LAYER_B3, 5)
        } else {
            (3, 100, 5, LAYER_B20, 4)
        };
        Cell {
            tac,
            cell_id,
            earfcn,
            pci,
            band,
            prbs,
            network: (MCC, MNC),
            extra_sibs: vec![
                SibContent::Sib3 {
                    serving_priority: serving,
                },
                SibContent::Sib5 {
                    carriers: vec![EutraCarrier {
                        earfcn: other,
                        priority: Some(other_priority),
                    }],
                },
                SibContent::Sib6 {
                    utra_fdd: vec![UtraCarrier {
                        uarfcn: UTRA_UARFCN,
                        priority: Some(3),
                    }],
                },
                SibContent::Sib7 {
                    geran: vec![geran_set(Some(1))],
                },
            ],
        }
    }

    /// A cell that broadcasts only what camping needs: SIB1 scheduling nothing beyond SIB2.
    pub fn minimal(tac: u16, cell_id: u32, earfcn: u32, pci: u16) -> Cell {
        Cell {
            extra_sibs: Vec::new(),
            ..Cell::operator(tac, cell_id, earfcn, pci)
        }
    }
}

/// The DCS 1800 carriers scenarios use for 2G (three ARFCNs around 512).
pub fn geran_set(priority: Option<u8>) -> GeranCarrierSet {
    GeranCarrierSet {
        starting_arfcn: 512,
        band: GeranBand::Dcs1800,
        arfcns: vec![512, 514, 520],
        priority,
    }
}
