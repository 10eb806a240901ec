// Package atomicfile replaces files so that a crash at any moment leaves
// either the old or the new content: the in-place writes of encrypt -i,
// decrypt -i, edit, rotate and updatekeys.
package atomicfile
