insert into par select g, g, g from generate_series(1, 5) g;
insert into chi select g, g, g from generate_series(6, 10) g;
insert into chi2 select g, g, g from generate_series(6, 10) g;
insert into sib select g, g, g from generate_series(11, 15) g;
insert into pt select g % 2 + 1, g from generate_series(1, 10) g;
