insert into t select g, 'a@b.c', g, 'AB', 'CD', row(g::qty, 'EF'::code2)::oline from generate_series(1, 10) g;
