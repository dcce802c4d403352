package report

import "sync"

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
	free := make(chan *Employee, aheadEmployees)
	ready := make(chan *Employee, aheadEmployees)
	stop := make(chan struct{})
	var werr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ready)
		made := 0
		werr = d.walkInto(func() (*Employee, error) {
			if made < aheadEmployees {
				made++
				return new(Employee), nil
			}
			select {
			case e := <-free:
				return e, nil
			case <-stop:
				return nil, errStop
			}
		}, func(e *Employee) error {
			select {
			case ready <- e:
				return nil
			case <-stop:
				return errStop
			}
		})
	}()
	var err error
	for e := range ready {
		if err = fn(e); err != nil {
			break
		}
		free <- e
	}
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	return werr
}

// aheadEmployees is how many employees walkAhead puts together before fn
// has handled them; below 1 it is walk (tests compare the two).
var aheadEmployees = 64
