//! PostgreSQL's grammar as data: the LALR tables bison builds from
//! `gram.y`, the token numbers and the keyword list, read from
//! `generated/pg15.grammar` (written by `scripts/pg-grammar.py`).
//!
//! The file is little-endian and read in place: nothing is decoded up front
//! but the keyword list and the symbol numbers of the lexer's token kinds.

use std::sync::OnceLock;

use super::lexer::Kind;

const DATA: &[u8] = include_bytes!("generated/pg15.grammar");
const MAGIC: &[u8; 16] = b"MIGRATE-PG-GRAM\x01";

/// A keyword of PostgreSQL's `kwlist.h`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keyword {
    /// Lower case, as PostgreSQL lists it.
    pub text: &'static str,
    /// Grammar symbol the lexer's keyword token translates to.
    pub symbol: u16,
}

/// An array of little-endian integers inside `DATA`.
#[derive(Clone, Copy)]
struct Array {
    offset: usize,
    len: usize,
    width: usize,
    signed: bool,
}

impl Array {
    fn get(&self, index: usize) -> i32 {
        debug_assert!(index < self.len);
        let at = self.offset + index * self.width;
        match (self.width, self.signed) {
            (1, _) => i32::from(DATA[at]),
            (2, true) => i32::from(i16::from_le_bytes([DATA[at], DATA[at + 1]])),
            (2, false) => i32::from(u16::from_le_bytes([DATA[at], DATA[at + 1]])),
            _ => i32::from_le_bytes([DATA[at], DATA[at + 1], DATA[at + 2], DATA[at + 3]]),
        }
    }
}

/// The grammar: bison's tables and what the lexer needs to feed them.
pub(crate) struct Grammar {
    /// `PG_VERSION_NUM` of the PostgreSQL the tables come from.
    pub version: u32,
    pub final_state: i32,
    pub last: i32,
    pub n_tokens: i32,
    pub pact_ninf: i32,
    pub table_ninf: i32,
    translate: Array,
    /// The tables every token reads, decoded once.
    hot: Hot,
    /// Sorted by text, as `kwlist.h` is.
    pub keywords: Vec<Keyword>,
    /// Open-addressing table of keyword indexes + 1, by [`keyword_hash`].
    keyword_slots: Vec<u16>,
    /// The keywords PostgreSQL's look-ahead filter compares with.
    pub filter: FilterSymbols,
    /// Symbols of the lexer's token kinds that are not keywords or characters.
    named: NamedSymbols,
}

/// bison's tables, as plain vectors.
struct Hot {
    pact: Vec<i32>,
    defact: Vec<u16>,
    table: Vec<i16>,
    check: Vec<i16>,
    pgoto: Vec<i16>,
    defgoto: Vec<i16>,
    r1: Vec<u16>,
    r2: Vec<u8>,
}

impl Array {
    fn decode<T>(&self, convert: impl Fn(i32) -> T) -> Vec<T> {
        (0..self.len)
            .map(|index| convert(self.get(index)))
            .collect()
    }
}

/// Grammar symbols of the token kinds the lexer returns by name.
#[derive(Default)]
struct NamedSymbols {
    ident: u16,
    fconst: u16,
    sconst: u16,
    bconst: u16,
    xconst: u16,
    op: u16,
    iconst: u16,
    param: u16,
    typecast: u16,
    dot_dot: u16,
    colon_equals: u16,
    equals_greater: u16,
    less_equals: u16,
    greater_equals: u16,
    not_equals: u16,
    not_la: u16,
    nulls_la: u16,
    with_la: u16,
}

/// Keyword symbols the lexer's look-ahead filter compares with.
#[derive(Default)]
pub(crate) struct FilterSymbols {
    pub not: u16,
    pub nulls: u16,
    pub with: u16,
    pub between: u16,
    pub in_: u16,
    pub like: u16,
    pub ilike: u16,
    pub similar: u16,
    pub first: u16,
    pub last: u16,
    pub time: u16,
    pub ordinality: u16,
    pub uescape: u16,
}

struct Reader {
    at: usize,
}

impl Reader {
    fn u8(&mut self) -> u8 {
        self.at += 1;
        DATA[self.at - 1]
    }
    fn u16(&mut self) -> u16 {
        self.at += 2;
        u16::from_le_bytes([DATA[self.at - 2], DATA[self.at - 1]])
    }
    fn i16(&mut self) -> i16 {
        self.u16() as i16
    }
    fn u32(&mut self) -> u32 {
        self.at += 4;
        u32::from_le_bytes(DATA[self.at - 4..self.at].try_into().expect("4 bytes"))
    }
    fn array(&mut self, len: usize, width: usize, signed: bool) -> Array {
        let array = Array {
            offset: self.at,
            len,
            width,
            signed,
        };
        self.at += len * width;
        array
    }
    fn text(&mut self) -> &'static str {
        let len = usize::from(self.u8());
        self.at += len;
        std::str::from_utf8(&DATA[self.at - len..self.at]).expect("generated names are UTF-8")
    }
}

/// The grammar, read once per process.
pub(crate) fn grammar() -> &'static Grammar {
    static GRAMMAR: OnceLock<Grammar> = OnceLock::new();
    GRAMMAR.get_or_init(read)
}

fn read() -> Grammar {
    assert_eq!(
        &DATA[..16],
        MAGIC,
        "generated/pg15.grammar has an unknown layout"
    );
    let mut reader = Reader { at: 16 };
    let version = reader.u32();
    let final_state = reader.u32() as i32;
    let last = reader.u32() as i32;
    let n_tokens = reader.u32() as usize;
    let n_nonterminals = reader.u32() as usize;
    let n_rules = reader.u32() as usize;
    let n_states = reader.u32() as usize;
    let max_token = reader.u32() as usize;
    let _reserved = reader.u32();
    let pact_ninf = reader.u32() as i32;
    let table_ninf = reader.u32() as i32;
    let translate = reader.array(max_token + 1, 2, true);
    let pact = reader.array(n_states, 4, true);
    let defact = reader.array(n_states, 2, false);
    let pgoto = reader.array(n_nonterminals, 2, true);
    let defgoto = reader.array(n_nonterminals, 2, true);
    let table = reader.array(last as usize + 1, 2, true);
    let check = reader.array(last as usize + 1, 2, true);
    let r1 = reader.array(n_rules + 1, 2, false);
    let r2 = reader.array(n_rules + 1, 1, false);
    // Terminal names by symbol, kept in the file for whoever debugs it.
    let n_names = usize::from(reader.u16());
    for _ in 0..n_names {
        reader.text();
    }
    let n_named = usize::from(reader.u16());
    let named_codes: Vec<(&str, i16)> = (0..n_named)
        .map(|_| (reader.text(), reader.i16()))
        .collect();
    let translate_code = |code: i32| -> u16 {
        if (0..=max_token as i32).contains(&code) {
            translate.get(code as usize) as u16
        } else {
            2 // bison's "invalid token"
        }
    };
    let n_keywords = usize::from(reader.u16());
    let keywords: Vec<Keyword> = (0..n_keywords)
        .map(|_| {
            let text = reader.text();
            let code = reader.i16();
            // The keyword's category (unreserved, column name, type or
            // function name, reserved), which the grammar itself encodes.
            let _category = reader.u8();
            Keyword {
                text,
                symbol: translate_code(i32::from(code)),
            }
        })
        .collect();
    assert_eq!(
        reader.at,
        DATA.len(),
        "generated/pg15.grammar has trailing bytes"
    );
    let symbol_of = |name: &str| -> u16 {
        named_codes
            .iter()
            .find(|(named, _)| *named == name)
            .map_or(2, |(_, code)| translate_code(i32::from(*code)))
    };
    let named = NamedSymbols {
        ident: symbol_of("IDENT"),
        fconst: symbol_of("FCONST"),
        sconst: symbol_of("SCONST"),
        bconst: symbol_of("BCONST"),
        xconst: symbol_of("XCONST"),
        op: symbol_of("Op"),
        iconst: symbol_of("ICONST"),
        param: symbol_of("PARAM"),
        typecast: symbol_of("TYPECAST"),
        dot_dot: symbol_of("DOT_DOT"),
        colon_equals: symbol_of("COLON_EQUALS"),
        equals_greater: symbol_of("EQUALS_GREATER"),
        less_equals: symbol_of("LESS_EQUALS"),
        greater_equals: symbol_of("GREATER_EQUALS"),
        not_equals: symbol_of("NOT_EQUALS"),
        not_la: symbol_of("NOT_LA"),
        nulls_la: symbol_of("NULLS_LA"),
        with_la: symbol_of("WITH_LA"),
    };
    let hot = Hot {
        pact: pact.decode(|value| value),
        defact: defact.decode(|value| value as u16),
        table: table.decode(|value| value as i16),
        check: check.decode(|value| value as i16),
        pgoto: pgoto.decode(|value| value as i16),
        defgoto: defgoto.decode(|value| value as i16),
        r1: r1.decode(|value| value as u16),
        r2: r2.decode(|value| value as u8),
    };
    let mut keyword_slots = vec![0u16; KEYWORD_SLOTS];
    for (index, keyword) in keywords.iter().enumerate() {
        let mut slot = keyword_hash(keyword.text.as_bytes());
        while keyword_slots[slot] != 0 {
            slot = (slot + 1) % KEYWORD_SLOTS;
        }
        keyword_slots[slot] = index as u16 + 1;
    }
    let mut grammar = Grammar {
        version,
        final_state,
        last,
        n_tokens: n_tokens as i32,
        pact_ninf,
        table_ninf,
        translate,
        hot,
        keywords,
        keyword_slots,
        filter: FilterSymbols::default(),
        named,
    };
    grammar.filter = grammar.filter_keywords();
    grammar
}

/// Slots of the keyword table: a power of two, well above 460 keywords.
const KEYWORD_SLOTS: usize = 2048;

/// FNV-1a of a lower-case word, as a slot of the keyword table.
fn keyword_hash(lower: &[u8]) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in lower {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash as usize % KEYWORD_SLOTS
}

impl Grammar {
    /// The keyword spelt `word` (any ASCII case), as PostgreSQL's
    /// `ScanKeywordLookup` finds it.
    pub(crate) fn keyword(&self, word: &[u8]) -> Option<u16> {
        if word.len() > 24 || word.iter().any(|byte| !byte.is_ascii()) {
            return None;
        }
        let mut lower = [0u8; 24];
        for (slot, byte) in lower.iter_mut().zip(word) {
            *slot = byte.to_ascii_lowercase();
        }
        let lower = &lower[..word.len()];
        let mut slot = keyword_hash(lower);
        loop {
            let entry = self.keyword_slots[slot];
            if entry == 0 {
                return None;
            }
            if self.keywords[usize::from(entry - 1)].text.as_bytes() == lower {
                return Some(entry - 1);
            }
            slot = (slot + 1) % KEYWORD_SLOTS;
        }
    }

    /// The grammar symbol of a lexer token.
    pub(crate) fn symbol(&self, kind: Kind) -> u16 {
        let named = &self.named;
        match kind {
            Kind::Keyword(index) => self.keywords[usize::from(index)].symbol,
            Kind::Char(byte) => self.translate.get(usize::from(byte)) as u16,
            Kind::Ident => named.ident,
            Kind::FConst => named.fconst,
            Kind::SConst => named.sconst,
            Kind::BConst => named.bconst,
            Kind::XConst => named.xconst,
            Kind::Op => named.op,
            Kind::IConst => named.iconst,
            Kind::Param => named.param,
            Kind::Typecast => named.typecast,
            Kind::DotDot => named.dot_dot,
            Kind::ColonEquals => named.colon_equals,
            Kind::EqualsGreater => named.equals_greater,
            Kind::LessEquals => named.less_equals,
            Kind::GreaterEquals => named.greater_equals,
            Kind::NotEquals => named.not_equals,
            Kind::NotLa => named.not_la,
            Kind::NullsLa => named.nulls_la,
            Kind::WithLa => named.with_la,
        }
    }

    /// Keyword indexes (into [`Grammar::keywords`]) the look-ahead filter needs.
    fn filter_keywords(&self) -> FilterSymbols {
        let index = |word: &str| self.keyword(word.as_bytes()).unwrap_or(u16::MAX);
        FilterSymbols {
            not: index("not"),
            nulls: index("nulls"),
            with: index("with"),
            between: index("between"),
            in_: index("in"),
            like: index("like"),
            ilike: index("ilike"),
            similar: index("similar"),
            first: index("first"),
            last: index("last"),
            time: index("time"),
            ordinality: index("ordinality"),
            uescape: index("uescape"),
        }
    }

    pub(crate) fn pact(&self, state: i32) -> i32 {
        self.hot.pact[state as usize]
    }
    pub(crate) fn defact(&self, state: i32) -> i32 {
        i32::from(self.hot.defact[state as usize])
    }
    pub(crate) fn table(&self, index: i32) -> i32 {
        i32::from(self.hot.table[index as usize])
    }
    pub(crate) fn check(&self, index: i32) -> i32 {
        i32::from(self.hot.check[index as usize])
    }
    /// Left-hand side symbol of a rule.
    pub(crate) fn rule_lhs(&self, rule: i32) -> i32 {
        i32::from(self.hot.r1[rule as usize])
    }
    /// Number of symbols on a rule's right-hand side.
    pub(crate) fn rule_len(&self, rule: i32) -> i32 {
        i32::from(self.hot.r2[rule as usize])
    }
    /// The state to go to after reducing to `lhs` on top of `state`.
    pub(crate) fn goto(&self, lhs: i32, state: i32) -> i32 {
        let nonterminal = (lhs - self.n_tokens) as usize;
        let index = i32::from(self.hot.pgoto[nonterminal]) + state;
        if (0..=self.last).contains(&index) && self.check(index) == state {
            self.table(index)
        } else {
            i32::from(self.hot.defgoto[nonterminal])
        }
    }
}
