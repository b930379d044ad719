//! The shape of a statement's trees from its tokens, in one pass: an upper
//! bound of the depth of sqlparser's tree (see `chain_bound`) and how deep
//! arithmetic nests in PostgreSQL's (see `postgres_stack_refusal`).

use std::ops::Range;

/// What one pass over a statement's tokens finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// An upper bound of the depth of sqlparser's tree, in links.
    pub bound: usize,
    /// The deepest nesting of arithmetic operators (`+ - * / % ^ ||`
    /// between operands) as PostgreSQL's grammar builds them, a lower bound
    /// of the depth of its tree, and the bytes of that subtree.
    pub arithmetic: usize,
    pub arithmetic_span: Range<usize>,
}

/// Precedences of sqlparser 0.63's `PostgreSqlDialect` (its
/// `get_next_precedence` and `prec_value`), and of its prefix operators
/// (`parse_prefix`): an operator takes as operands the subtrees of higher
/// precedence on each side, and is left-associative with its equals. They
/// follow PostgreSQL's own order (`::`, `[ ]`, `COLLATE`, `AT`, `^`,
/// `* / %`, `+ -`, other operators, `BETWEEN IN LIKE`, comparisons, `IS`,
/// `NOT`, `AND`, `OR`), so arithmetic nests as in PostgreSQL's tree too.
mod precedence {
    pub const CAST: u8 = 140;
    pub const SUBSCRIPT: u8 = 130;
    pub const COLLATE: u8 = 120;
    pub const AT_TIME_ZONE: u8 = 110;
    pub const CARET: u8 = 100;
    /// `* / %`, and a prefix `-` or `+`.
    pub const MULTIPLY: u8 = 90;
    /// `+ -`, and the prefix operators `~`, `@`, `|/`, `||/`, `!!`.
    pub const PLUS: u8 = 80;
    pub const XOR: u8 = 75;
    /// `||`, `->`, `@>`, `&&` and every other operator.
    pub const OTHER: u8 = 70;
    /// `BETWEEN` (and its `AND`), `IN`, `LIKE`, `ILIKE`, `SIMILAR`,
    /// `OVERLAPS`, `ESCAPE`.
    pub const LIKE: u8 = 60;
    /// `= < > <= >= <> !=`, and `~`, `~*`, `!~`... between operands.
    pub const COMPARE: u8 = 50;
    pub const IS: u8 = 40;
    pub const NOT: u8 = 30;
    pub const AND: u8 = 20;
    pub const OR: u8 = 10;
    /// `ARRAY` before a bracket: it binds its own operand only.
    pub const ARRAY: u8 = u8::MAX;
}

/// The precedence of an operator token between two operands.
fn infix_precedence(text: &str) -> u8 {
    match text {
        "::" => precedence::CAST,
        "<=" | ">=" | "<>" | "!=" | "==" | "<=>" | ":=" | "=>" | "~" | "~*" | "!~" | "!~*"
        | "~~" | "~~*" | "!~~" | "!~~*" => precedence::COMPARE,
        _ => precedence::OTHER,
    }
}

/// A subtree built so far: how deep it is (in units: see [`Pass::link`]),
/// how deep in arithmetic, and its bytes.
#[derive(Clone, Copy)]
struct Operand {
    units: usize,
    arithmetic: usize,
    start: usize,
    end: usize,
}

/// An operator waiting for its right operand.
#[derive(Clone, Copy)]
struct Operator {
    precedence: u8,
    /// What it adds to the depth of its operands.
    units: usize,
    /// Whether it is one of `+ - * / % ^ ||` between operands.
    arithmetic: bool,
    prefix: bool,
    between: bool,
    start: usize,
    end: usize,
}

/// What opened a level.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Statement,
    Parenthesis,
    /// `[` where an operand starts (`ARRAY[1, 2]`, `int[]`'s second).
    Bracket,
    /// `[` after an operand: `a[1]`, `int[]`.
    Subscript,
    /// `(` after `IN`: sqlparser's `InList` is whole when it closes, and
    /// what follows applies to it (`x IN (1) % 2` is `(x IN (1)) % 2`).
    List,
    Case,
}

/// One parenthesis (or bracket, or CASE) level: where its stacks start, and
/// the deepest of its expressions already ended.
struct Level {
    group: Group,
    start: usize,
    operand_base: usize,
    operator_base: usize,
    ended: Operand,
    set_operations: usize,
    /// Whether the token before ends an operand: then a `-` is binary, a
    /// `(` calls a function, a `[` subscripts, `NOT` leads `IN`/`LIKE`.
    after_operand: bool,
    /// BETWEENs waiting for their AND.
    betweens: usize,
    /// After `IS`: `NOT`, `DISTINCT` and `FROM` belong to it.
    after_is: bool,
    /// After `IN`: the `(` that follows opens its list.
    after_in: bool,
    /// After an operator sqlparser may read otherwise (see
    /// [`Pass::summing`]), until the expression ends: the deepest operand
    /// since, and the links of the operators since.
    summing: Option<(usize, usize)>,
    /// The operands and operators of this level below these indexes were
    /// there when an operand joined the one before: what PostgreSQL makes
    /// of them is not known, so they count no arithmetic depth.
    known_operands_from: usize,
    known_operators_from: usize,
}

/// A shunting-yard over depths: operands are subtrees' depths, an operator
/// pops those of higher or equal precedence into subtrees as sqlparser's
/// precedence climbing does (`max(left, right) + 1`).
struct Pass {
    /// The units a link adds; an AND or OR adds one unit.
    link: usize,
    operands: Vec<Operand>,
    operators: Vec<Operator>,
    levels: Vec<Level>,
    /// Open levels of each closing token: a `)` or `]` without its opening
    /// is ignored, and a `)` closes what it holds (an unclosed `[` or CASE).
    open_parentheses: usize,
    open_brackets: usize,
    deepest_arithmetic: Operand,
    /// Where the token before ends, if it is an operator.
    operator_end: Option<usize>,
}

impl Pass {
    fn new(link: usize) -> Self {
        let mut pass = Pass {
            link,
            operands: Vec::new(),
            operators: Vec::new(),
            levels: Vec::new(),
            open_parentheses: 0,
            open_brackets: 0,
            operator_end: None,
            deepest_arithmetic: Operand {
                units: 0,
                arithmetic: 0,
                start: 0,
                end: 0,
            },
        };
        pass.open(Group::Statement, 0);
        pass
    }

    fn level(&mut self) -> &mut Level {
        let last = self.levels.len() - 1;
        &mut self.levels[last]
    }

    fn open(&mut self, group: Group, start: usize) {
        match group {
            Group::Parenthesis | Group::List => self.open_parentheses += 1,
            Group::Bracket | Group::Subscript => self.open_brackets += 1,
            Group::Statement | Group::Case => {}
        }
        let empty = Operand {
            units: 0,
            arithmetic: 0,
            start,
            end: start,
        };
        self.levels.push(Level {
            group,
            start,
            operand_base: self.operands.len(),
            operator_base: self.operators.len(),
            ended: empty,
            set_operations: 0,
            after_operand: false,
            betweens: 0,
            after_is: false,
            after_in: false,
            summing: None,
            known_operands_from: self.operands.len(),
            known_operators_from: self.operators.len(),
        });
    }

    /// The operand on top of this level's stack, with no arithmetic depth
    /// unless it is known.
    fn pop_operand(&mut self, start: usize, end: usize) -> Operand {
        let level = self.level();
        let (base, known_from) = (level.operand_base, level.known_operands_from);
        if self.operands.len() > base
            && let Some(mut operand) = self.operands.pop()
        {
            if self.operands.len() < known_from {
                operand.arithmetic = 0;
            }
            return operand;
        }
        // An operator without its operand (a statement sqlparser refuses,
        // or a word read as neither): an operand of no depth.
        Operand {
            units: 0,
            arithmetic: 0,
            start,
            end,
        }
    }

    /// Pops the operators of this level of at least `precedence` into
    /// subtrees.
    fn reduce(&mut self, precedence: u8) {
        let base = self.levels.last().map_or(0, |level| level.operator_base);
        while self.operators.len() > base
            && let Some(&operator) = self.operators.last()
            && operator.precedence >= precedence
        {
            self.reduce_top(operator);
        }
    }

    /// Pops the operators of this level above its last BETWEEN: its AND
    /// ends the lower bound whatever is pending there (`BETWEEN NOT a AND
    /// b`: the NOT takes `a` only).
    fn reduce_to_between(&mut self) {
        let base = self.levels.last().map_or(0, |level| level.operator_base);
        while self.operators.len() > base
            && let Some(&operator) = self.operators.last()
            && !operator.between
        {
            self.reduce_top(operator);
        }
    }

    /// From an operator sqlparser may read otherwise on (PostgreSQL's lexer
    /// reads `~-` or `@>-` as one operator; sqlparser reads `~-` so but
    /// `@>-` as `@>` and a prefix `-`), the expression's depth is bounded
    /// without precedence: the depth so far, plus a link per operator
    /// since (two for this one), plus the deepest operand since.
    fn start_summing(&mut self) {
        let link = self.link;
        if self.add_to_sum(0, 2 * link) {
            self.level().after_operand = false;
            return;
        }
        self.complete();
        self.reduce(0);
        let base = self.level().operand_base;
        let mut deepest = 0;
        while self.operands.len() > base
            && let Some(operand) = self.operands.pop()
        {
            deepest = deepest.max(operand.units);
        }
        let level = self.level();
        // What follows may nest under what was pending: the depth so far
        // counts as links too.
        level.summing = Some((0, deepest + 2 * link));
        level.after_operand = false;
        level.known_operands_from = level.operand_base;
        level.known_operators_from = level.operator_base;
    }

    /// Adds an operand's depth or an operator's links to the sum when the
    /// expression is summed; whether it is.
    fn add_to_sum(&mut self, units: usize, links: usize) -> bool {
        let level = self.level();
        let Some((deepest, sum)) = &mut level.summing else {
            return false;
        };
        *deepest = (*deepest).max(units);
        *sum += links;
        level.after_operand = true;
        level.after_is = false;
        true
    }

    /// Before reducing a whole expression: an operator still waiting for
    /// its right operand gets one of no depth, so that it does not take
    /// its left one for it.
    fn complete(&mut self) {
        let n_operators = self.operators.len();
        let level = self.level();
        if !level.after_operand && n_operators > level.operator_base {
            let end = self.operators.last().map_or(0, |operator| operator.end);
            self.operands.push(Operand {
                units: 0,
                arithmetic: 0,
                start: end,
                end,
            });
            self.level().after_operand = true;
        }
    }

    /// Pops `operator`, the top of the stack, into a subtree.
    fn reduce_top(&mut self, operator: Operator) {
        {
            self.operators.pop();
            let known = self.operators.len() >= self.level().known_operators_from;
            let right = self.pop_operand(operator.end, operator.end);
            let subtree = if operator.prefix {
                Operand {
                    units: right.units + operator.units,
                    arithmetic: right.arithmetic,
                    start: operator.start,
                    end: right.end.max(operator.end),
                }
            } else {
                let left = self.pop_operand(operator.start, operator.start);
                let arithmetic = if known {
                    left.arithmetic.max(right.arithmetic) + usize::from(operator.arithmetic)
                } else {
                    0
                };
                let subtree = Operand {
                    units: left.units.max(right.units) + operator.units,
                    arithmetic,
                    start: left.start.min(operator.start),
                    end: right.end.max(operator.end),
                };
                if subtree.arithmetic > self.deepest_arithmetic.arithmetic {
                    self.deepest_arithmetic = subtree;
                }
                subtree
            };
            self.operands.push(subtree);
            // What was popped is gone: the subtree's depth is known, and so
            // is what will be pushed above it.
            let (n_operands, n_operators) = (self.operands.len(), self.operators.len());
            let level = self.level();
            level.known_operands_from = level.known_operands_from.min(n_operands - 1);
            level.known_operators_from = level.known_operators_from.min(n_operators);
        }
    }

    /// An operand; one right after another (a function's name and its
    /// arguments, a type's words) joins it.
    fn operand(&mut self, operand: Operand) {
        if self.add_to_sum(operand.units, 0) {
            return;
        }
        let base = self.level().operand_base;
        let joins = self.level().after_operand && self.operands.len() > base;
        match self.operands.last_mut() {
            Some(last) if joins => {
                last.units = last.units.max(operand.units);
                last.start = last.start.min(operand.start);
                last.end = last.end.max(operand.end);
                // A function's arguments, a type's words, an alias, or two
                // clauses' expressions: as sqlparser's depth, their join
                // is at least as deep as either; as PostgreSQL's, what is
                // on the stack now may not nest as it seems.
                let (n_operands, n_operators) = (self.operands.len(), self.operators.len());
                let level = self.level();
                level.known_operands_from = n_operands;
                level.known_operators_from = n_operators;
            }
            _ => self.operands.push(operand),
        }
        let level = self.level();
        level.after_operand = true;
        level.after_is = false;
    }

    fn word(&mut self, range: &Range<usize>) {
        self.operand(Operand {
            units: 0,
            arithmetic: 0,
            start: range.start,
            end: range.end,
        });
    }

    fn infix(&mut self, precedence: u8, units: usize, arithmetic: bool, range: &Range<usize>) {
        if self.add_to_sum(0, units.max(1)) {
            self.level().after_operand = false;
            return;
        }
        self.reduce(precedence);
        self.operators.push(Operator {
            precedence,
            units,
            arithmetic,
            prefix: false,
            between: false,
            start: range.start,
            end: range.end,
        });
        let level = self.level();
        level.after_operand = false;
        level.after_is = false;
    }

    fn prefix(&mut self, precedence: u8, range: &Range<usize>) {
        if self.add_to_sum(0, self.link) {
            self.level().after_operand = false;
            return;
        }
        self.operators.push(Operator {
            precedence,
            units: self.link,
            arithmetic: false,
            prefix: true,
            between: false,
            start: range.start,
            end: range.end,
        });
        let level = self.level();
        level.after_operand = false;
        level.after_is = false;
    }

    /// `IS NULL`, `ISNULL`, `COLLATE`, `NOT NULL`: a link over the operand
    /// before.
    fn postfix(&mut self, precedence: u8, range: &Range<usize>) {
        if self.add_to_sum(0, self.link) {
            self.level().after_operand = true;
            return;
        }
        self.reduce(precedence);
        let base = self.level().operand_base;
        let link = self.link;
        let has_operand = self.operands.len() > base;
        match self.operands.last_mut() {
            Some(last) if has_operand => {
                last.units += link;
                last.end = range.end;
            }
            _ => self.operands.push(Operand {
                units: link,
                arithmetic: 0,
                start: range.start,
                end: range.end,
            }),
        }
        let level = self.level();
        level.after_operand = true;
        level.after_is = false;
    }

    /// Ends the expression under way (at a `,`, `WHEN`, `FROM`...): its
    /// depth is the level's if deeper.
    fn end_expression(&mut self) {
        if let Some((deepest, links)) = self.level().summing.take() {
            let ended = &mut self.level().ended;
            ended.units = ended.units.max(deepest + links);
        }
        self.complete();
        self.reduce(0);
        let base = self.level().operand_base;
        while self.operands.len() > base
            && let Some(operand) = self.operands.pop()
        {
            let ended = &mut self.level().ended;
            ended.units = ended.units.max(operand.units);
            if operand.arithmetic > ended.arithmetic {
                ended.arithmetic = operand.arithmetic;
            }
        }
        let level = self.level();
        level.after_operand = false;
        level.betweens = 0;
        level.after_is = false;
        level.known_operands_from = level.operand_base;
        level.known_operators_from = level.operator_base;
    }

    /// Closes the innermost level: it is an operand of the one around it,
    /// a link deeper (sqlparser's `Nested`, a function call, a subquery,
    /// `CASE`), or a subscript of the operand before.
    fn close(&mut self, end: usize) {
        if self.levels.len() < 2 {
            return;
        }
        self.end_expression();
        let Some(level) = self.levels.pop() else {
            return;
        };
        match level.group {
            Group::Parenthesis | Group::List => self.open_parentheses -= 1,
            Group::Bracket | Group::Subscript => self.open_brackets -= 1,
            Group::Statement | Group::Case => {}
        }
        let inner = Operand {
            units: level.ended.units + level.set_operations * self.link + self.link,
            arithmetic: level.ended.arithmetic,
            start: level.start,
            end,
        };
        if matches!(level.group, Group::Subscript | Group::List) {
            let base = self.level().operand_base;
            let has_operand = self.operands.len() > base;
            let link = self.link;
            if has_operand && let Some(last) = self.operands.last_mut() {
                last.units = last.units.max(inner.units - link) + link;
                last.arithmetic = last.arithmetic.max(inner.arithmetic);
                last.end = end;
                self.level().after_operand = true;
                return;
            }
        }
        self.operand(inner);
    }

    /// Closes levels up to the innermost `(` (or `[`), if one is open.
    fn close_up_to(&mut self, parenthesis: bool, end: usize) {
        let open = if parenthesis {
            self.open_parentheses
        } else {
            self.open_brackets
        };
        if open == 0 {
            return;
        }
        while self.levels.len() > 1 {
            let group = self.level().group;
            self.close(end);
            let closed = if parenthesis {
                matches!(group, Group::Parenthesis | Group::List)
            } else {
                matches!(group, Group::Bracket | Group::Subscript)
            };
            if closed {
                break;
            }
        }
    }

    fn keyword(&mut self, word: &str, range: &Range<usize>) {
        let is = |keyword: &str| word.eq_ignore_ascii_case(keyword);
        let level = self.level();
        let after_operand = level.after_operand;
        if level.after_is {
            // `IS [NOT] NULL` (or TRUE, FALSE, UNKNOWN, JSON...) is a
            // postfix operator, `IS [NOT] DISTINCT FROM` an infix one.
            // `IS NOT`, `DISTINCT FROM` (a NOT after FROM is a prefix).
            if (after_operand && is("not")) || (!after_operand && is("from")) {
                return;
            }
            if is("distinct") {
                self.infix(precedence::IS, self.link, false, range);
                self.level().after_is = true;
                return;
            }
            if after_operand {
                self.postfix(precedence::IS, range);
                return;
            }
        }
        if is("and") && level.betweens > 0 {
            // `x BETWEEN a AND b`: the AND belongs to BETWEEN, the three
            // operands to one node (BETWEEN joined the first two for no
            // link; the link is here, over the third too).
            level.betweens -= 1;
            self.reduce_to_between();
            self.infix(precedence::LIKE, self.link, false, range);
        } else if is("and") {
            // PostgreSQL flattens AND and OR and takes them at any length;
            // so does the analyzer, and what still recurses through them
            // costs far less stack per link (see `AND_OR_PER_LINK`).
            self.infix(precedence::AND, 1, false, range);
        } else if is("or") {
            self.infix(precedence::OR, 1, false, range);
        } else if is("not") {
            if !after_operand {
                self.prefix(precedence::NOT, range);
            }
            // Else `NOT IN`, `NOT LIKE`, `NOT BETWEEN`, `NOT NULL`: the
            // next word is the operator.
        } else if is("is") {
            self.level().after_is = true;
        } else if is("isnull") || is("notnull") || (after_operand && is("null")) {
            self.postfix(precedence::IS, range);
        } else if after_operand && is("in") {
            self.reduce(precedence::LIKE);
            self.level().after_in = true;
        } else if after_operand
            && [
                "between", "like", "ilike", "similar", "overlaps", "escape", "rlike", "regexp",
                "glob", "match", "member", "operator",
            ]
            .iter()
            .any(|keyword| is(keyword))
        {
            let between = is("between");
            if between {
                self.level().betweens += 1;
            }
            let summing = self.level().summing.is_some();
            self.infix(precedence::LIKE, self.link, false, range);
            if between
                && !summing
                && let Some(operator) = self.operators.last_mut()
            {
                // It joins the first two operands for no link: the link is
                // at its AND, over the third too.
                operator.units = 0;
                operator.between = true;
            }
        } else if after_operand && is("xor") {
            self.infix(precedence::XOR, self.link, false, range);
        } else if after_operand && is("div") {
            self.infix(precedence::MULTIPLY, self.link, false, range);
        } else if after_operand && is("at") {
            self.infix(precedence::AT_TIME_ZONE, self.link, false, range);
        } else if after_operand && is("collate") {
            self.postfix(precedence::COLLATE, range);
        } else if is("array") {
            // `ARRAY[...]`, `int ARRAY`.
            if after_operand {
                self.postfix(precedence::ARRAY, range);
            } else {
                self.prefix(precedence::ARRAY, range);
            }
        } else if is("case") {
            self.open(Group::Case, range.start);
        } else if is("end") && self.level().group == Group::Case {
            self.close(range.end);
        } else if is("when") || is("then") || is("else") {
            self.end_expression();
        } else if is("union") || is("intersect") || is("except") {
            self.end_expression();
            self.level().set_operations += 1;
        } else if !after_operand
            && [
                "select",
                "distinct",
                "all",
                "where",
                "by",
                "on",
                "set",
                "default",
                "check",
                "using",
                "values",
                "returning",
                "having",
                "from",
                "limit",
                "offset",
            ]
            .iter()
            .any(|keyword| is(keyword))
        {
            // A clause's word where an operand starts: the operand follows
            // (so `SELECT NOT a` is a prefix NOT).
        } else if after_operand
            && [
                "select",
                "from",
                "where",
                "having",
                "order",
                "limit",
                "offset",
                "returning",
            ]
            .iter()
            .any(|keyword| is(keyword))
        {
            // A clause after an expression: sqlparser ends the expression
            // there (inside parentheses, `EXTRACT(f FROM x)` and the like
            // separate operands of one node).
            self.end_expression();
        } else {
            // A name, a type's word, a literal (`NULL`, `TRUE`), a clause.
            self.word(range);
        }
    }

    fn token(&mut self, sql: &str, range: Range<usize>, class: crate::syntax::TokenClass) {
        use crate::syntax::TokenClass;

        let text = &sql[range.clone()];
        let is_operator = match class {
            TokenClass::Operator => !text.starts_with(|c: char| c.is_ascii_alphabetic()),
            TokenClass::Punctuation(byte) => b"+-*/%^<>=".contains(&byte),
            _ => false,
        };
        let glued = is_operator
            && self.operator_end == Some(range.start)
            && matches!(class, TokenClass::Punctuation(b'+' | b'-'));
        self.operator_end = is_operator.then_some(range.end);
        if glued {
            // `<>-`, `*-`: PostgreSQL's lexer reads two operators, but
            // sqlparser may read one (`<>-` of its precedence).
            self.start_summing();
            return;
        }
        if self.level().after_in && class != TokenClass::Punctuation(b'(') {
            // `IN` without its list: an operator.
            self.level().after_in = false;
            self.infix(precedence::LIKE, self.link, false, &range);
        }
        let after_operand = self.level().after_operand;
        let link = self.link;
        match class {
            TokenClass::Punctuation(b'(') if self.level().after_in => {
                self.level().after_in = false;
                self.open(Group::List, range.start);
            }
            TokenClass::Punctuation(b'(') => self.open(Group::Parenthesis, range.start),
            TokenClass::Punctuation(b'[') if after_operand => {
                self.reduce(precedence::SUBSCRIPT);
                self.open(Group::Subscript, range.start);
            }
            TokenClass::Punctuation(b'[') => self.open(Group::Bracket, range.start),
            TokenClass::Punctuation(b')') => self.close_up_to(true, range.end),
            TokenClass::Punctuation(b']') => self.close_up_to(false, range.end),
            TokenClass::Punctuation(b',' | b';') => self.end_expression(),
            TokenClass::Punctuation(b'+' | b'-') if after_operand => {
                self.infix(precedence::PLUS, link, true, &range);
            }
            TokenClass::Punctuation(b'+' | b'-') => self.prefix(precedence::MULTIPLY, &range),
            // `*` where an operand starts: `SELECT *`, `count(*)`.
            TokenClass::Punctuation(b'*') if !after_operand => self.word(&range),
            TokenClass::Punctuation(b'*' | b'/' | b'%') => {
                self.infix(precedence::MULTIPLY, link, true, &range);
            }
            TokenClass::Punctuation(b'^') => self.infix(precedence::CARET, link, true, &range),
            TokenClass::Punctuation(b'<' | b'>' | b'=') => {
                self.infix(precedence::COMPARE, link, false, &range);
            }
            // `.` joins a name's parts, `:` a slice's bounds: no link.
            TokenClass::Punctuation(_) => {}
            // NOT, NULLS and WITH as PostgreSQL's lexer reads them before
            // some words.
            TokenClass::Operator if text.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                self.keyword(text, &range);
            }
            TokenClass::Operator => {
                // PostgreSQL's lexer reads `@>-` as one operator, sqlparser
                // may read `@>` and a prefix `-`: count both.
                if text.len() > 1 && text.ends_with(['+', '-']) {
                    self.start_summing();
                } else if text == "::" || after_operand {
                    self.infix(infix_precedence(text), link, text == "||", &range);
                } else {
                    self.prefix(precedence::PLUS, &range);
                }
            }
            TokenClass::Keyword => self.keyword(text, &range),
            TokenClass::Identifier | TokenClass::Literal => self.word(&range),
        }
    }

    fn finish(mut self) -> Shape {
        let end = self.levels.last().map_or(0, |level| level.start);
        while self.levels.len() > 1 {
            self.close(end);
        }
        self.end_expression();
        let level = self.level();
        let units = level.ended.units + level.set_operations * self.link;
        Shape {
            bound: units.div_ceil(self.link),
            arithmetic: self.deepest_arithmetic.arithmetic,
            arithmetic_span: self.deepest_arithmetic.start..self.deepest_arithmetic.end,
        }
    }
}

/// The shape of `sql`'s trees, from PostgreSQL's tokens in one pass: a
/// shunting-yard over depths at each parenthesis level (a `,`, `WHEN`,
/// `THEN`, `ELSE`, a set operation, or a clause after an operand ends an
/// expression), following sqlparser's precedences; a closed parenthesis,
/// bracket or `CASE ... END` is an operand one link deeper than what it
/// holds, and set operations add a link each to their level. Where a
/// token's role is unclear it counts as a link (a word after an operand
/// joins it, a prefix adds a link), so the bound stays above sqlparser's
/// depth, which every recursion over its tree follows.
///
/// `and_or_per_link` links of AND or OR count as one.
pub(crate) fn shape(sql: &str, and_or_per_link: usize) -> Shape {
    shape_of_tokens(sql, &crate::syntax::tokens(sql), and_or_per_link)
}

/// [`shape`] of `sql`'s tokens.
pub(super) fn shape_of_tokens(
    sql: &str,
    tokens: &[(Range<usize>, crate::syntax::TokenClass)],
    and_or_per_link: usize,
) -> Shape {
    let mut pass = Pass::new(and_or_per_link.max(1));
    for (range, class) in tokens {
        pass.token(sql, range.clone(), *class);
    }
    pass.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pseudo-random expression over the operators `shape` knows, small
    /// enough for sqlparser's recursion limit.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn expression(&mut self, nesting: usize, out: &mut String) {
            const OPERATORS: [&str; 18] = [
                "+",
                "-",
                "*",
                "/",
                "%",
                "^",
                "||",
                "=",
                "<",
                "<>",
                " AND ",
                " OR ",
                " LIKE ",
                "->",
                "@>",
                "~",
                " IS DISTINCT FROM ",
                " IN ",
            ];
            for i in 0..1 + self.below(6) {
                if i > 0 {
                    let operator = OPERATORS[self.below(OPERATORS.len() as u64) as usize];
                    out.push_str(operator);
                    if operator == " IN " {
                        out.push('(');
                        self.expression(nesting.saturating_sub(1), out);
                        out.push(')');
                        continue;
                    }
                }
                self.operand(nesting, out);
            }
        }

        fn operand(&mut self, nesting: usize, out: &mut String) {
            let choice = if nesting == 0 {
                self.below(3)
            } else {
                self.below(13)
            };
            let inner = nesting - usize::from(nesting > 0);
            match choice {
                0 => out.push('1'),
                1 => out.push('a'),
                2 => out.push_str("'s'"),
                3 => {
                    out.push('(');
                    self.expression(inner, out);
                    out.push(')');
                }
                4 => {
                    out.push_str("- ");
                    self.operand(inner, out);
                }
                5 => {
                    out.push_str("NOT ");
                    self.operand(inner, out);
                }
                6 => {
                    out.push_str("f(");
                    self.expression(inner, out);
                    out.push(')');
                }
                7 => {
                    self.operand(inner, out);
                    out.push_str(" IS NOT NULL");
                }
                8 => {
                    self.operand(inner, out);
                    out.push_str("::int");
                }
                9 => {
                    self.operand(inner, out);
                    out.push_str(" BETWEEN ");
                    self.operand(inner, out);
                    out.push_str(" AND ");
                    self.operand(inner, out);
                }
                10 => {
                    out.push_str("CASE WHEN ");
                    self.expression(inner, out);
                    out.push_str(" THEN ");
                    self.expression(inner, out);
                    out.push_str(" ELSE ");
                    self.expression(inner, out);
                    out.push_str(" END");
                }
                11 => {
                    out.push_str("a[");
                    self.expression(inner, out);
                    out.push(']');
                }
                _ => {
                    out.push_str("x::double precision COLLATE \"C\"");
                }
            }
        }
    }

    /// The depth of sqlparser's tree for the expressions [`Random`] makes
    /// (a link per node), and how deep its arithmetic nests.
    fn sqlparser_depth(expr: &sqlparser::ast::Expr) -> (usize, usize) {
        use sqlparser::ast::{
            AccessExpr, BinaryOperator as B, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
            Subscript,
        };
        let max = |exprs: &[&Expr]| {
            exprs
                .iter()
                .map(|expr| sqlparser_depth(expr))
                .fold((0, 0), |(depth, arithmetic), (d, a)| {
                    (depth.max(d), arithmetic.max(a))
                })
        };
        let link = |(depth, arithmetic): (usize, usize)| (depth + 1, arithmetic);
        match expr {
            Expr::BinaryOp { left, op, right } => {
                let (depth, arithmetic) = max(&[left, right]);
                let is_arithmetic = matches!(
                    op,
                    B::Plus
                        | B::Minus
                        | B::Multiply
                        | B::Divide
                        | B::Modulo
                        | B::PGExp
                        | B::StringConcat
                );
                (depth + 1, arithmetic + usize::from(is_arithmetic))
            }
            Expr::UnaryOp { expr, .. }
            | Expr::Nested(expr)
            | Expr::Cast { expr, .. }
            | Expr::Collate { expr, .. }
            | Expr::IsNotNull(expr) => link(max(&[expr])),
            Expr::IsDistinctFrom(left, right) => link(max(&[left, right])),
            Expr::Like { expr, pattern, .. } => link(max(&[expr, pattern])),
            Expr::Between {
                expr, low, high, ..
            } => link(max(&[expr, low, high])),
            Expr::InList { expr, list, .. } => {
                let mut all: Vec<&Expr> = list.iter().collect();
                all.push(expr);
                link(max(&all))
            }
            Expr::Function(function) => match &function.args {
                FunctionArguments::List(list) => link(max(&list
                    .args
                    .iter()
                    .filter_map(|arg| match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
                        _ => None,
                    })
                    .collect::<Vec<_>>())),
                _ => (1, 0),
            },
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                let mut all: Vec<&Expr> = conditions
                    .iter()
                    .flat_map(|when| [&when.condition, &when.result])
                    .collect();
                all.extend(else_result.as_deref());
                link(max(&all))
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                let mut found = sqlparser_depth(root);
                for access in access_chain {
                    if let AccessExpr::Subscript(Subscript::Index { index }) = access {
                        let (d, a) = sqlparser_depth(index);
                        found = (found.0.max(d) + 1, found.1.max(a));
                    }
                }
                found
            }
            Expr::Identifier(_) | Expr::Value(_) | Expr::TypedString { .. } => (0, 0),
            other => panic!("not an expression the test makes: {other:?}"),
        }
    }

    /// Over thousands of mixed expressions, the bound is at least the
    /// depth of sqlparser's tree, and the arithmetic depth at most that of
    /// its arithmetic (which nests as PostgreSQL's does).
    #[test]
    fn the_bound_holds_against_sqlparsers_trees() {
        use sqlparser::ast::{SelectItem, SetExpr, Statement};
        use sqlparser::dialect::PostgreSqlDialect;
        use sqlparser::parser::Parser;

        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        let mut parsed = 0;
        let mut exact = 0;
        for _ in 0..12_000 {
            let mut sql = "SELECT ".to_owned();
            random.expression(3, &mut sql);
            let Ok(statements) = Parser::parse_sql(&PostgreSqlDialect {}, &sql) else {
                continue;
            };
            let [Statement::Query(query)] = statements.as_slice() else {
                panic!("{sql}");
            };
            let SetExpr::Select(select) = query.body.as_ref() else {
                panic!("{sql}");
            };
            let [SelectItem::UnnamedExpr(expr)] = select.projection.as_slice() else {
                panic!("{sql}");
            };
            parsed += 1;
            let (depth, arithmetic) = sqlparser_depth(expr);
            let found = shape(&sql, 1);
            assert!(found.bound >= depth, "{sql}: {} < {depth}", found.bound);
            assert!(
                found.arithmetic <= arithmetic,
                "{sql}: {} > {arithmetic}",
                found.arithmetic
            );
            exact += usize::from(found.bound == depth);
        }
        assert!(parsed > 2_000, "{parsed}");
        // Close, not only above: most are exact.
        assert!(exact * 2 > parsed, "{exact} of {parsed}");
    }
}
