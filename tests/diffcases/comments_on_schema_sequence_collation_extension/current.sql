create schema s;
create sequence s.q;
create collation s.co (provider = libc, locale = 'C');
create extension cube;
