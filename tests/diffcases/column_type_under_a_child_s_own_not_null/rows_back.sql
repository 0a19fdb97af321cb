insert into par select g, g from generate_series(1, 5) g;
insert into chi select g, g from generate_series(6, 10) g;
insert into sib select g, g from generate_series(11, 15) g;
insert into gra select g, g from generate_series(16, 20) g;
