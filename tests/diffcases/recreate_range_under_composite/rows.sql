insert into t values (1, row('[1,2)', 3), array[row('[4,5)', 6)::pr, null], row('[7,8)', 9), '[1,3)'), (2, null, '{}', null, null);
