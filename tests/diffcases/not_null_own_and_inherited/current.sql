-- An inheritance child's NOT NULL that its parent gives it, its own too on one side only (conislocal, which the
-- fingerprint prints as " and local"): check said nothing where the fingerprint, and so the proof, saw a
-- difference. Its own outlives the parent's DROP NOT NULL, so it is one. Forward, SET NOT NULL makes the
-- inherited one its own too (the column is NOT NULL already: its rows are not read), and the grandchild's stays
-- inherited only; back, no statement makes it inherited only (but the parent's DROP and ADD again): kept, said.
create table p (id int not null, v int);
create table c () inherits (p);
create table gc () inherits (c);
