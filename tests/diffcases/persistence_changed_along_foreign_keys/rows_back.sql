insert into z_cache values (1, 'a', 1); insert into a_item values (1, 1); insert into m_leaf values (1, 1); insert into keeper values (1, 1);
