create schema s;
comment on schema s is 'sch';
create sequence s.q;
comment on sequence s.q is 'seq';
create collation s.co (provider = libc, locale = 'C');
comment on collation s.co is 'col';
create extension cube;
comment on extension cube is 'ext';
