-- Types widened where ALTER COLUMN TYPE's own conversion is the cast USING would write: no USING (it adds
-- nothing; varchar(n) -> text, a longer varchar and numeric(p,s) -> numeric(p2,s) are binary coercible, and
-- neither the table nor its indexes are rewritten: tests/test_diff_type_changes.py checks the relfilenodes).
-- Back, the shrinks keep the assignment cast (no USING: cast_would_cut) but numeric's, which rounds.
create table t (
    id int primary key,
    email varchar(50),
    code varchar(10),
    amount numeric(10, 2),
    total numeric(10, 2),
    tags varchar(20)[],
    n smallint,
    label text
);
create index t_email on t (email);
create index t_amount on t (amount);
