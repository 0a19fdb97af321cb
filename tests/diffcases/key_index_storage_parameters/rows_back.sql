insert into t select g, 'c' || g from generate_series(1, 10) g;
insert into u select g, 'c' || g from generate_series(1, 10) g;
insert into w select g, g from generate_series(1, 10) g;
insert into fresh values (1);
insert into x values ('[1,5)', true), ('[3,9)', false);
