# The commands a person types. Each target first installs what is missing (scripts/packages.txt)
# and is quiet when nothing is; the work is done by the scripts in scripts/.
.DEFAULT_GOAL := help
.PHONY: help demo test build bench clean

help:
	@echo 'make demo    install, build (Release) and run tallyhub with its defaults'
	@echo 'make test    install, build with CMake and Meson (ASan), run every test suite'
	@echo 'make build   install and build the Release tree (build/cmake-release)'
	@echo 'make bench   install, build and run the load scenarios (bench/*/run.sh)'
	@echo 'make clean   remove build/'

demo:
	@scripts/demo.sh

test:
	@scripts/test.sh

build:
	@scripts/install-deps.sh build
	@scripts/build.sh cmake-release

bench:
	@scripts/bench.sh

clean:
	rm -rf build
