insert into ev select g, g, g % 3 + 1 from generate_series(1, 9) g; insert into par values (1, 'a'); insert into chi values (2, 'b');
insert into chi2 values (3, 'c');
