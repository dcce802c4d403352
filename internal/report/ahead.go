package report

// walkAhead is walk with the plan read and each employee put together on
// a second goroutine, up to aheadEmployees ahead of fn, which runs on the
// caller's goroutine and sees the same employees in the same order. fn
// must not touch what a walk changes in d (the counts of the first walk,
// the spools), only the employee it is given, which is reused once fn
// returns.
func (d *Data) walkAhead(fn func(*Employee) error) error {
	if aheadEmployees < 1 {
		return d.walk(fn)
	}
	return runAhead(aheadEmployees, func(get func() (*Employee, error), put func(*Employee) error) error {
		return d.walkInto(get, put)
	}, fn)
}

// runAhead runs produce on a goroutine of its own and consume on the
// caller's, on the same items in the same order, with up to n items in
// flight (n ≥ 1). produce takes each item to fill from get (new ones until
// n exist, then those consume is done with) and hands it over with put;
// once consume fails, both return errStop and produce should return. It
// returns consume's error, else produce's.
func runAhead[T any](n int, produce func(get func() (*T, error), put func(*T) error) error, consume func(*T) error) error {
	free := make(chan *T, n)
	ready := make(chan *T, n)
	stop := make(chan struct{})
	var perr error
	go func() {
		defer close(ready)
		made := 0
		perr = produce(func() (*T, error) {
			select {
			case <-stop:
				return nil, errStop
			default:
			}
			if made < n {
				made++
				return new(T), nil
			}
			select {
			case it := <-free:
				return it, nil
			case <-stop:
				return nil, errStop
			}
		}, func(it *T) error {
			select {
			case ready <- it:
				return nil
			case <-stop:
				return errStop
			}
		})
	}()
	var err error
	for it := range ready {
		if err = consume(it); err != nil {
			break
		}
		free <- it
	}
	close(stop)
	for range ready { // drained: produce has returned once ready is closed
	}
	if err != nil {
		return err
	}
	return perr
}

// aheadEmployees is how many employees walkAhead puts together before fn
// has handled them; below 1 it is walk (tests compare the two).
var aheadEmployees = 64
