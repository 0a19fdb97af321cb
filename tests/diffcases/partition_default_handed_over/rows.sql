insert into events_old values (1, 'view'); insert into events values (2, 'click');
